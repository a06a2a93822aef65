// A CI pipeline signs its request body with the shared token (X-Signature: sha256=<hmac>)
// to make Flux pull a freshly pushed OCI artifact.
import { App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { ReceiverProvider, ReconcileTarget, WebhookReceiver } from '../src';
import { OciRepository } from '../src/imports/source.toolkit.fluxcd.io';

export function buildGenericHmacApp(outdir?: string): App {
  const app = new App({ outdir });
  const chart = new Chart(app, 'webhooks', { namespace: 'flux-system' });

  const artifact = new OciRepository(chart, 'Manifests', {
    metadata: { name: 'app-manifests' },
    spec: { url: 'oci://registry.example.com/org/app-manifests', interval: '30m', ref: { semver: '>=1.0.0' } },
  });
  const receiver = new WebhookReceiver(chart, 'Receiver');
  receiver.addReceiver('ci-receiver', {
    provider: ReceiverProvider.genericHmac(),
    secret: kplus.Secret.fromSecretName(chart, 'Token', 'ci-webhook-token'),
    targets: [ReconcileTarget.fromApiObject(artifact)],
  });
  return app;
}
