// generic: the secret path is the only credential; nothing else is checked.
import { accept, MISSING_TOKEN, reject, secretToken } from './_verdict';
import type { Provider } from './provider';

export const genericProvider: Provider = {
  type: 'generic',
  validate(request, context) {
    if (secretToken(context.secret) === undefined) return reject(MISSING_TOKEN);
    return accept(request, { description: 'handling generic event' });
  },
};
