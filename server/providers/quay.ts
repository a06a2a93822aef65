// quay: no authentication beyond the path; the body must decode into a repository push notification.
import { accept, MISSING_TOKEN, reject, secretToken } from './_verdict';
import type { Provider } from './provider';
import { decodeFirstJsonValue } from '../wire/go-json';
import { decodeJsonShape } from '../wire/json-shape';

const SHAPE = { docker_url: 'string', updated_tags: 'string[]' } as const;

export const quayProvider: Provider = {
  type: 'quay',
  validate(request, context) {
    if (secretToken(context.secret) === undefined) return reject(MISSING_TOKEN);
    const decoded = decodeJsonShape(decodeFirstJsonValue(request.body), SHAPE);
    if (!decoded.ok) return reject(`cannot decode Quay webhook payload: ${decoded.error}`);
    const payload = (decoded.value ?? {}) as { docker_url?: string };
    return accept(request, { description: `handling Quay event from ${payload.docker_url ?? ''}` });
  },
};
