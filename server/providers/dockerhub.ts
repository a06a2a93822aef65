// dockerhub: no authentication beyond the path; the body must decode into DockerHub's push shape.
import { accept, MISSING_TOKEN, reject, secretToken } from './_verdict';
import type { Provider } from './provider';
import { decodeFirstJsonValue } from '../wire/go-json';
import { decodeJsonShape } from '../wire/json-shape';

const SHAPE = { push_data: { tag: 'string' }, repository: { repo_url: 'string' } } as const;

interface DockerHubPayload {
  push_data?: { tag?: string };
  repository?: { repo_url?: string };
}

export const dockerhubProvider: Provider = {
  type: 'dockerhub',
  validate(request, context) {
    if (secretToken(context.secret) === undefined) return reject(MISSING_TOKEN);
    const decoded = decodeJsonShape(decodeFirstJsonValue(request.body), SHAPE);
    if (!decoded.ok) return reject(`cannot decode DockerHub webhook payload: ${decoded.error}`);
    const payload = (decoded.value ?? {}) as DockerHubPayload;
    return accept(request, {
      description: `handling DockerHub event from ${payload.repository?.repo_url ?? ''} for tag ${payload.push_data?.tag ?? ''}`,
    });
  },
};
