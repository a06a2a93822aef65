// Senders that authenticate with an ID token: generic-oidc (any OIDC issuer listed in
// spec.oidcProviders, e.g. a GitHub Actions job) and gcr (a Pub/Sub push with a Google-signed
// token). `send` cannot mint these: the caller supplies one with --id-token-file.
import { Delivery, DeliveryBuilder, jsonBody, USER_AGENT } from './delivery';

export const genericOidcDelivery: DeliveryBuilder = {
  type: 'generic-oidc',
  events: [],
  needsIdToken: true,
  build(input): Delivery {
    return {
      headers: { 'Content-Type': 'application/json', 'User-Agent': USER_AGENT, 'Authorization': `Bearer ${input.idToken}` },
      body: jsonBody({ source: 'flux-webhook-receiver send', id: input.deliveryId, timestamp: input.now.toISOString() }),
      authentication: 'Authorization: Bearer <the ID token from --id-token-file>, checked against spec.oidcProviders',
    };
  },
};

export const gcrDelivery: DeliveryBuilder = {
  type: 'gcr',
  events: [],
  needsIdToken: true,
  build(input): Delivery {
    const notification = { action: 'INSERT', digest: 'us-east1-docker.pkg.dev/my-project/my-repo/webapp@sha256:6ec128e26cd5', tag: 'us-east1-docker.pkg.dev/my-project/my-repo/webapp:1.0.0' };
    return {
      headers: { 'Content-Type': 'application/json', 'User-Agent': USER_AGENT, 'Authorization': `Bearer ${input.idToken}` },
      body: jsonBody({
        message: { attributes: {}, data: Buffer.from(JSON.stringify(notification)).toString('base64'), messageId: input.deliveryId, publishTime: input.now.toISOString() },
        subscription: 'projects/my-project/subscriptions/flux-gcr',
      }),
      authentication: "Authorization: Bearer <the Google ID token from --id-token-file>, whose email and audience must match the Secret's",
    };
  },
};
