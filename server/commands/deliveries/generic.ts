// generic: the secret path is the only credential; any body (a CI job's curl, usually).
import { Delivery, DeliveryBuilder, jsonBody, USER_AGENT } from './delivery';

export const genericDelivery: DeliveryBuilder = {
  type: 'generic',
  events: [],
  build(input): Delivery {
    return {
      headers: { 'Content-Type': 'application/json', 'User-Agent': USER_AGENT },
      body: jsonBody({ source: 'flux-webhook-receiver send', id: input.deliveryId, timestamp: input.now.toISOString() }),
      authentication: 'the secret path only',
    };
  },
};
