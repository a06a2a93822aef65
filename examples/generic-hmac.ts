// A CI pipeline signs its request body with the shared token (X-Signature: sha256=<hmac>)
// to make Flux pull a freshly pushed OCI artifact.
import { App, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { OciRef, OciRepository, ReceiverProvider, ReconcileTarget, WebhookReceiver } from '../src';
import { exampleApp } from './_setup';

export function buildGenericHmacApp(outdir?: string): App {
  const { app, chart } = exampleApp(outdir);

  const artifact = new OciRepository(chart, 'Manifests', {
    metadata: { name: 'app-manifests' },
    url: 'oci://registry.example.com/org/app-manifests',
    interval: Duration.minutes(30),
    ref: OciRef.semver('>=1.0.0'),
  });
  const receiver = new WebhookReceiver(chart, 'Receiver');
  receiver.addReceiver('ci-receiver', {
    provider: ReceiverProvider.genericHmac(),
    secret: kplus.Secret.fromSecretName(chart, 'Token', 'ci-webhook-token'),
    targets: [ReconcileTarget.fromApiObject(artifact)],
  });
  return app;
}
