// gitea (extension, files mode only): Gitea's and Forgejo's native headers. The signature is the
// bare hex HMAC-SHA256 of the raw body keyed with the token. Forgejo sends its own X-Forgejo-*
// headers and, for compatibility, the X-Gitea-* ones: when X-Forgejo-Signature is present it is
// the one checked, so a wrong Forgejo signature is never rescued by a Gitea one.
import { createHmac } from 'crypto';
import { eventAllowed } from './_event-filter';
import { optionalHeader } from './_headers';
import { accept, bounded, MISSING_TOKEN, reject, secretToken } from './_verdict';
import type { Provider } from './provider';
import { constantTimeEqual } from '../wire/constant-time';

const HEX = /^(?:[0-9a-fA-F]{2})+$/;

export const giteaProvider: Provider = {
  type: 'gitea',
  validate(request, context) {
    const token = secretToken(context.secret);
    if (token === undefined) return reject(MISSING_TOKEN);
    const forgejo = optionalHeader(request, 'x-forgejo-signature') !== undefined;
    const header = forgejo ? 'X-Forgejo-Signature' : 'X-Gitea-Signature';
    const signature = optionalHeader(request, header);
    if (signature === undefined) return reject('the X-Gitea-Signature or X-Forgejo-Signature header is missing');
    if (!HEX.test(signature)) return reject(`the ${header} header is not hex`);
    const expected = createHmac('sha256', token).update(request.body).digest();
    if (!constantTimeEqual(Buffer.from(signature, 'hex'), expected)) {
      return reject(`the ${header} header is invalid: payload signature check failed`);
    }
    const sender = forgejo ? 'Forgejo' : 'Gitea';
    const prefix = forgejo ? 'x-forgejo-' : 'x-gitea-';
    const event = optionalHeader(request, `${prefix}event`) ?? '';
    if (!eventAllowed(event, context.spec.events)) {
      return reject(`the ${sender} event '${bounded(event)}' is not authorised`);
    }
    return accept(request, {
      event,
      description: `handling ${sender} event: ${event}`,
      deliveryId: optionalHeader(request, `${prefix}delivery`),
    });
  },
};
