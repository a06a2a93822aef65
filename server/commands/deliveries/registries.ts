// Registries that send no credential (the secret path is the only one): Docker Hub, Quay and
// Azure Container Registry push notifications, each in its sender's shape.
import { Delivery, DeliveryBuilder, jsonBody, USER_AGENT } from './delivery';

function pathOnly(type: string, payload: (now: Date, id: string) => unknown): DeliveryBuilder {
  return {
    type,
    events: [],
    build(input): Delivery {
      return {
        headers: { 'Content-Type': 'application/json', 'User-Agent': USER_AGENT },
        body: jsonBody(payload(input.now, input.deliveryId)),
        authentication: 'the secret path only',
      };
    },
  };
}

export const dockerhubDelivery = pathOnly('dockerhub', (now) => ({
  callback_url: 'https://registry.hub.docker.com/u/org/webapp/hook/2141b5bi5i5b02bec211i4eeih0242eg11000a/',
  push_data: { pushed_at: Math.floor(now.getTime() / 1000), pusher: 'org', tag: 'latest' },
  repository: { name: 'webapp', namespace: 'org', owner: 'org', repo_name: 'org/webapp', repo_url: 'https://registry.hub.docker.com/u/org/webapp/', is_private: true, status: 'Active' },
}));

export const quayDelivery = pathOnly('quay', () => ({
  repository: 'org/webapp',
  namespace: 'org',
  name: 'webapp',
  docker_url: 'quay.io/org/webapp',
  homepage: 'https://quay.io/repository/org/webapp',
  updated_tags: ['latest', 'v1.0.0'],
}));

export const acrDelivery = pathOnly('acr', (now, id) => ({
  id,
  timestamp: now.toISOString(),
  action: 'push',
  target: { mediaType: 'application/vnd.oci.image.manifest.v1+json', size: 524, digest: 'sha256:80f0d5c8786bb9e621a45ece0db56d11cdc624ad20da9fe62e9d25490f331d7d', length: 524, repository: 'webapp', tag: 'v1.0.0' },
  request: { id, host: 'myregistry.azurecr.io', method: 'PUT', useragent: 'docker/27.3.1' },
}));
