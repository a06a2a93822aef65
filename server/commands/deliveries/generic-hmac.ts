// generic-hmac: `X-Signature: sha256=<hex>` over the raw body, keyed with the token.
import { hmacHex } from './_signing';
import { Delivery, DeliveryBuilder, jsonBody, USER_AGENT } from './delivery';

export const genericHmacDelivery: DeliveryBuilder = {
  type: 'generic-hmac',
  tokenUse: 'hmac',
  events: [],
  build(input): Delivery {
    const body = jsonBody({ source: 'flux-webhook-receiver send', id: input.deliveryId, timestamp: input.now.toISOString() });
    return {
      headers: { 'Content-Type': 'application/json', 'User-Agent': USER_AGENT, 'X-Signature': `sha256=${hmacHex('sha256', input.token ?? Buffer.alloc(0), body)}` },
      body,
      authentication: 'X-Signature: HMAC-SHA256 of the body keyed with the token',
    };
  },
};
