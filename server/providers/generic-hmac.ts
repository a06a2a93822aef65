// generic-hmac: `X-Signature: <sha1|sha256|sha512>=<hex>` over the raw body, always checked
// (even with an empty token).
import { headerValue } from './_headers';
import { accept, MISSING_TOKEN, reject, secretToken } from './_verdict';
import type { Provider } from './provider';
import { validateSignature } from '../wire/hmac-signature';

export const genericHmacProvider: Provider = {
  type: 'generic-hmac',
  validate(request, context) {
    const token = secretToken(context.secret);
    if (token === undefined) return reject(MISSING_TOKEN);
    const check = validateSignature(headerValue(request, 'x-signature'), request.body, token);
    if (!check.ok) return reject(`unable to validate HMAC signature: ${check.reason}`);
    return accept(request, { description: 'handling generic-hmac event' });
  },
};
