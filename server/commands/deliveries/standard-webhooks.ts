// Standard Webhooks (the standard-webhooks extension type): webhook-id, webhook-timestamp and a
// `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` webhook-signature keyed with the decoded secret.
import { createHmac } from 'crypto';
import { Delivery, DeliveryBuilder, jsonBody, USER_AGENT } from './delivery';

/** The HMAC key: the token without its optional `whsec_` prefix, base64-decoded. */
function signingKey(token: Buffer): Buffer {
  const text = token.toString('utf8').replace(/^whsec_/, '');
  if (text === '' || !/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(text)) {
    throw new Error('the token of this standard-webhooks receiver is not a Standard Webhooks secret (base64, optionally prefixed with whsec_), '
      + 'so no delivery can ever match it: recreate the Secret with such a secret');
  }
  return Buffer.from(text, 'base64');
}

export const standardWebhooksDelivery: DeliveryBuilder = {
  type: 'standard-webhooks',
  tokenUse: 'hmac',
  events: [],
  build(input): Delivery {
    const id = `msg_${input.deliveryId.replace(/-/g, '')}`;
    const timestamp = String(Math.floor(input.now.getTime() / 1000));
    const body = jsonBody({ type: 'push', timestamp: input.now.toISOString(), data: { source: 'flux-webhook-receiver send', branch: input.branch } });
    const signature = createHmac('sha256', signingKey(input.token ?? Buffer.alloc(0))).update(`${id}.${timestamp}.`).update(body).digest('base64');
    return {
      headers: {
        'Content-Type': 'application/json',
        'User-Agent': USER_AGENT,
        'webhook-id': id,
        'webhook-timestamp': timestamp,
        'webhook-signature': `v1,${signature}`,
      },
      body,
      authentication: 'webhook-signature: v1 HMAC-SHA256 of id.timestamp.body keyed with the decoded secret',
    };
  },
};
