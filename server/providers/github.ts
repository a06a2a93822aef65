// github (also Gitea/Forgejo): go-github ValidatePayload, then the X-GitHub-Event allow-list.
import { eventAllowed } from './_event-filter';
import { validateGitHubPayload } from './_github-payload';
import { headerText, optionalHeader } from './_headers';
import { accept, bounded, MISSING_TOKEN, reject, secretToken } from './_verdict';
import type { Provider } from './provider';

export const githubProvider: Provider = {
  type: 'github',
  validate(request, context) {
    const token = secretToken(context.secret);
    if (token === undefined) return reject(MISSING_TOKEN);
    const check = validateGitHubPayload(request, token);
    if (!check.ok) return reject(`the GitHub signature header is invalid, err: ${check.reason}`);
    const event = headerText(request, 'x-github-event');
    if (!eventAllowed(event, context.spec.events)) {
      return reject(`the GitHub event '${bounded(event)}' is not authorised`);
    }
    return accept(request, {
      event,
      description: `handling GitHub event: ${event}`,
      deliveryId: optionalHeader(request, 'x-github-delivery'),
      payload: check.payload,
    });
  },
};
