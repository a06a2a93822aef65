// nexus: X-Nexus-Webhook-Signature is the lowercase hex HMAC-SHA1 of the body (no prefix),
// compared as a string in constant time; the body must then be exactly one JSON value.
import { createHmac } from 'crypto';
import { headerValue } from './_headers';
import { accept, MISSING_TOKEN, reject, secretToken } from './_verdict';
import type { Provider } from './provider';
import { constantTimeEqual } from '../wire/constant-time';
import { decodeStrictJson } from '../wire/go-json';
import { decodeJsonShape } from '../wire/json-shape';

const SHAPE = { action: 'string', repositoryName: 'string' } as const;

export const nexusProvider: Provider = {
  type: 'nexus',
  validate(request, context) {
    const token = secretToken(context.secret);
    if (token === undefined) return reject(MISSING_TOKEN);
    const signature = headerValue(request, 'x-nexus-webhook-signature');
    if (signature === '') return reject('the Nexus signature is missing from header');
    const expected = createHmac('sha1', token).update(request.body).digest('hex');
    if (!constantTimeEqual(signature, expected)) return reject('invalid Nexus signature');
    const decoded = decodeJsonShape(decodeStrictJson(request.body), SHAPE);
    if (!decoded.ok) return reject(`cannot decode Nexus webhook payload: ${decoded.error}`);
    const payload = (decoded.value ?? {}) as { repositoryName?: string };
    return accept(request, { description: `handling Nexus event from ${payload.repositoryName ?? ''}` });
  },
};
