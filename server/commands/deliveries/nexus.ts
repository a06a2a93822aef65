// Sonatype Nexus: a repository component event, signed with a bare hex HMAC-SHA1 in
// X-Nexus-Webhook-Signature.
import { hmacHex } from './_signing';
import { Delivery, DeliveryBuilder, jsonBody, USER_AGENT } from './delivery';

export const nexusDelivery: DeliveryBuilder = {
  type: 'nexus',
  tokenUse: 'hmac',
  events: [],
  build(input): Delivery {
    const body = jsonBody({
      timestamp: input.now.toISOString(),
      nodeId: '52905B51-085CCABB-CEBBEB9E-0B4B3D4E-C8A6BB9A',
      initiator: 'admin/127.0.0.1',
      repositoryName: 'docker-hosted',
      action: 'CREATED',
      component: { id: '08909bf0c86cf6c9600aade89e1c5e25', format: 'docker', name: 'webapp', version: '1.0.0' },
    });
    return {
      headers: { 'Content-Type': 'application/json; charset=UTF-8', 'User-Agent': USER_AGENT, 'X-Nexus-Webhook-Id': 'rm:repository:component', 'X-Nexus-Webhook-Delivery': input.deliveryId, 'X-Nexus-Webhook-Signature': hmacHex('sha1', input.token ?? Buffer.alloc(0), body) },
      body,
      authentication: 'X-Nexus-Webhook-Signature: HMAC-SHA1 of the body keyed with the token',
    };
  },
};
