// CDEvents: a spec v0.4 event whose `context.type` is also sent as the Ce-Type header (the
// receiver's `spec.events` allow-list is checked against the header).
import { Delivery, DeliveryBuilder, jsonBody, USER_AGENT } from './delivery';

export const cdeventsDelivery: DeliveryBuilder = {
  type: 'cdevents',
  eventHeader: 'Ce-Type',
  events: ['dev.cdevents.change.merged.0.2.0', 'dev.cdevents.artifact.published.0.2.0'],
  build(input): Delivery {
    const subject = input.event.split('.')[2] ?? 'change';
    return {
      headers: {
        'Content-Type': 'application/json',
        'User-Agent': USER_AGENT,
        'Ce-Id': input.deliveryId,
        'Ce-Specversion': '1.0',
        'Ce-Source': 'flux-webhook-receiver-send',
        'Ce-Type': input.event,
      },
      body: jsonBody({
        context: { version: '0.4.1', id: input.deliveryId, source: 'flux-webhook-receiver-send', type: input.event, timestamp: input.now.toISOString() },
        subject: { id: 'org/webapp', source: 'flux-webhook-receiver-send', type: subject, content: {} },
      }),
      authentication: 'the secret path only (the body must be a valid CDEvent)',
    };
  },
};
