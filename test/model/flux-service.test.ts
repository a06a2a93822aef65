// Flux's `webhook-receiver` Service facts, written once in src/model/flux-service.ts, checked
// against the Flux install the tests use and against both IWebhookReceiver implementations.
import * as fs from 'fs';
import * as path from 'path';
import { Testing } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { FluxReceivers, WebhookReceiver } from '../../src';
import { FLUX_CONTROLLER_POD_LABELS, FLUX_RECEIVER_SERVICE_NAME, FLUX_RECEIVER_SERVICE_PORT } from '../../src/model';

const INSTALL = path.join(__dirname, '..', 'fixtures', 'flux-install', 'flux-v2.9.4-flux-system.yaml');

/** The Service of the Flux install that the model names, as the install defines it. */
function installedService(): { name: string; port: number; selector: Record<string, string> } {
  const docs = parseAllDocuments(fs.readFileSync(INSTALL, 'utf8')).map((d) => d.toJSON());
  const service = docs.find((d) => d?.kind === 'Service' && d.metadata?.name === FLUX_RECEIVER_SERVICE_NAME);
  expect(service).toBeDefined();
  expect(service.spec.ports).toHaveLength(1);
  return { name: service.metadata.name, port: service.spec.ports[0].port, selector: service.spec.selector };
}

test('the model matches the Service of the Flux install', () => {
  expect({ name: FLUX_RECEIVER_SERVICE_NAME, port: FLUX_RECEIVER_SERVICE_PORT, selector: FLUX_CONTROLLER_POD_LABELS }).toEqual(installedService());
});

test('both Flux-backed receivers point at that Service', () => {
  const installed = installedService();
  const chart = Testing.chart();
  for (const receiver of [new FluxReceivers(chart, 'flux'), WebhookReceiver.fromFluxNotificationController(chart, 'ref')]) {
    expect({ name: receiver.serviceName, port: receiver.servicePort, selector: receiver.podSelectorLabels }).toEqual(installed);
  }
});
