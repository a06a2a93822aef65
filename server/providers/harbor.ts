// harbor: the whole Authorization header must equal the token (no "Bearer" stripping).
import { headerValue } from './_headers';
import { accept, MISSING_TOKEN, reject, secretToken } from './_verdict';
import type { Provider } from './provider';
import { constantTimeEqual } from '../wire/constant-time';

export const harborProvider: Provider = {
  type: 'harbor',
  validate(request, context) {
    const token = secretToken(context.secret);
    if (token === undefined) return reject(MISSING_TOKEN);
    if (!constantTimeEqual(Buffer.from(headerValue(request, 'authorization'), 'utf8'), token)) {
      return reject('the Harbor Authorization header value does not match the receiver token');
    }
    return accept(request, { description: 'handling Harbor event' });
  },
};
