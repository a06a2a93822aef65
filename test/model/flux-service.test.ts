// Flux's `webhook-receiver` Service facts, written once in src/model/flux-service.ts, checked
// against the Flux install the tests use and against both IWebhookReceiver implementations.
import * as fs from 'fs';
import * as path from 'path';
import { Testing } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { FluxReceivers, WebhookReceiver } from '../../src';
import { FLUX_CONTROLLER_POD_LABELS, FLUX_RECEIVER_SERVICE_NAME, FLUX_RECEIVER_SERVICE_PORT } from '../../src/model';

const INSTALL = path.join(__dirname, '..', 'fixtures', 'flux-install', 'flux-v2.9.4-flux-system.yaml');

test('the model matches the Service of the Flux install', () => {
  const docs = parseAllDocuments(fs.readFileSync(INSTALL, 'utf8')).map((d) => d.toJSON());
  const service = docs.find((d) => d?.kind === 'Service' && d.metadata?.name === 'webhook-receiver');
  expect(service.spec.selector).toEqual({ app: 'notification-controller' });
  expect(service.spec.ports.map((p: { port: number }) => p.port)).toEqual([80]);
  expect([FLUX_RECEIVER_SERVICE_NAME, FLUX_RECEIVER_SERVICE_PORT, FLUX_CONTROLLER_POD_LABELS]).toEqual(['webhook-receiver', 80, { app: 'notification-controller' }]);
});

test('both Flux-backed receivers point at that Service', () => {
  const chart = Testing.chart();
  for (const receiver of [new FluxReceivers(chart, 'flux'), WebhookReceiver.fromFluxNotificationController(chart, 'ref')]) {
    expect([receiver.serviceName, receiver.servicePort, receiver.podSelectorLabels]).toEqual(['webhook-receiver', 80, { app: 'notification-controller' }]);
  }
});
