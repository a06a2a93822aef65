// GitHub "package" events (a push to GitHub Container Registry) make Flux scan the image
// repository and pull the OCI artifact at once, instead of at the next interval.
import { App, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { ImageRepository, OciRef, OciRepository, ReceiverProvider, ReconcileTarget, WebhookReceiver } from '../src';
import { exampleApp } from './_setup';

export function buildGitHubPackageApp(outdir?: string): App {
  const { app, chart } = exampleApp(outdir);

  const images = new ImageRepository(chart, 'WebappImages', {
    metadata: { name: 'webapp' },
    image: 'ghcr.io/org/webapp',
    interval: Duration.hours(1),
  });
  const manifests = new OciRepository(chart, 'WebappManifests', {
    metadata: { name: 'webapp-manifests' },
    url: 'oci://ghcr.io/org/webapp-manifests',
    interval: Duration.hours(1),
    ref: OciRef.tag('latest'),
  });

  const receiver = new WebhookReceiver(chart, 'Receiver');
  receiver.addReceiver('ghcr-receiver', {
    provider: ReceiverProvider.github({ events: ['ping', 'package'] }),
    secret: kplus.Secret.fromSecretName(chart, 'Token', 'ghcr-webhook-token'),
    targets: [ReconcileTarget.fromApiObject(images), ReconcileTarget.fromApiObject(manifests)],
  });
  return app;
}
