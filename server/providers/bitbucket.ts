// bitbucket (Server/Data Center and Cloud): GitHub-style signature, event in X-Event-Key.
import { eventAllowed } from './_event-filter';
import { validateGitHubPayload } from './_github-payload';
import { headerText, optionalHeader } from './_headers';
import { accept, bounded, MISSING_TOKEN, reject, secretToken } from './_verdict';
import type { Provider } from './provider';

export const bitbucketProvider: Provider = {
  type: 'bitbucket',
  validate(request, context) {
    const token = secretToken(context.secret);
    if (token === undefined) return reject(MISSING_TOKEN);
    const check = validateGitHubPayload(request, token);
    if (!check.ok) return reject(`the Bitbucket server signature header is invalid, err: ${check.reason}`);
    const event = headerText(request, 'x-event-key');
    if (!eventAllowed(event, context.spec.events)) {
      return reject(`the Bitbucket server event '${bounded(event)}' is not authorised`);
    }
    return accept(request, {
      event,
      description: `handling Bitbucket server event: ${event}`,
      // Bitbucket Server sends X-Request-Id; Bitbucket Cloud sends X-Request-UUID.
      deliveryId: optionalHeader(request, 'x-request-uuid') ?? optionalHeader(request, 'x-request-id'),
      payload: check.payload,
    });
  },
};
