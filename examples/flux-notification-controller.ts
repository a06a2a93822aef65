// The Flux guide exactly, on Flux's own notification-controller: Receiver objects instead of
// the bundled server, exposed through Flux's existing `webhook-receiver` Service.
import { App } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { ExposeViaIngress, FluxReceivers, IngressTls, ReceiverProvider, ReconcileTarget } from '../src';
import { exampleApp, webappRepository } from './_setup';

export function buildFluxNotificationControllerApp(outdir?: string): App {
  const { app, chart } = exampleApp(outdir);

  const repo = webappRepository(chart);
  const flux = new FluxReceivers(chart, 'Flux');
  flux.addReceiver('github-receiver', {
    provider: ReceiverProvider.github({ events: ['ping', 'push'] }),
    secret: kplus.Secret.fromSecretName(chart, 'Token', 'webhook-token'),
    targets: [ReconcileTarget.fromApiObject(repo)],
  });

  new ExposeViaIngress(chart, 'Ingress', {
    receiver: flux,
    metadata: { name: 'webhook-receiver' },
    host: 'flux-webhook.example.com',
    tls: IngressTls.certManagerClusterIssuer('letsencrypt'),
  });
  return app;
}
