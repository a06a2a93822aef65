// acr: Azure sends no credential; the body must decode into an ACR push event.
import { accept, MISSING_TOKEN, reject, secretToken } from './_verdict';
import type { Provider } from './provider';
import { decodeFirstJsonValue } from '../wire/go-json';
import { decodeJsonShape } from '../wire/json-shape';

const SHAPE = { action: 'string', target: { repository: 'string', tag: 'string' } } as const;

export const acrProvider: Provider = {
  type: 'acr',
  validate(request, context) {
    if (secretToken(context.secret) === undefined) return reject(MISSING_TOKEN);
    const decoded = decodeJsonShape(decodeFirstJsonValue(request.body), SHAPE);
    if (!decoded.ok) return reject(`cannot decode ACR webhook payload: ${decoded.error}`);
    const payload = (decoded.value ?? {}) as { target?: { repository?: string; tag?: string } };
    return accept(request, {
      description: `handling ACR event from ${payload.target?.repository ?? ''} for tag ${payload.target?.tag ?? ''}`,
    });
  },
};
