// gitlab: X-Gitlab-Token must equal the token (compared in constant time), event in X-Gitlab-Event.
import { eventAllowed } from './_event-filter';
import { headerText, headerValue, optionalHeader } from './_headers';
import { accept, bounded, MISSING_TOKEN, reject, secretToken } from './_verdict';
import type { Provider } from './provider';
import { constantTimeEqual } from '../wire/constant-time';

export const gitlabProvider: Provider = {
  type: 'gitlab',
  validate(request, context) {
    const token = secretToken(context.secret);
    if (token === undefined) return reject(MISSING_TOKEN);
    if (!constantTimeEqual(Buffer.from(headerValue(request, 'x-gitlab-token'), 'utf8'), token)) {
      return reject('the X-Gitlab-Token header value does not match the receiver token');
    }
    const event = headerText(request, 'x-gitlab-event');
    if (!eventAllowed(event, context.spec.events)) {
      return reject(`the GitLab event '${bounded(event)}' is not authorised`);
    }
    return accept(request, {
      event,
      description: `handling GitLab event: ${event}`,
      deliveryId: optionalHeader(request, 'x-gitlab-event-uuid') ?? optionalHeader(request, 'x-gitlab-webhook-uuid'),
    });
  },
};
