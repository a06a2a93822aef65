// Flux guide, "Expose the webhook receiver" with a cloud load balancer, and a GitHub push
// receiver for a GitRepository: a `git push` makes Flux fetch the repository at once.
import { App } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { ExposeViaLoadBalancer, ExternalTrafficPolicy, ReceiverProvider, ReconcileTarget, WebhookReceiver } from '../src';
import { exampleApp, webappRepository } from './_setup';

export function buildLoadBalancerApp(outdir?: string): App {
  const { app, chart } = exampleApp(outdir);

  const repo = webappRepository(chart);
  const receiver = new WebhookReceiver(chart, 'Receiver');
  receiver.addReceiver('github-receiver', {
    provider: ReceiverProvider.github({ events: ['ping', 'push'] }),
    secret: kplus.Secret.fromSecretName(chart, 'Token', 'webhook-token'),
    targets: [ReconcileTarget.fromApiObject(repo)],
  });

  new ExposeViaLoadBalancer(chart, 'Public', {
    receiver,
    metadata: { name: 'receiver-public' },
    // Local keeps the client source IP, so the receiver's NetworkPolicy sees real clients.
    externalTrafficPolicy: ExternalTrafficPolicy.LOCAL,
    // GitHub's published hook source ranges (https://api.github.com/meta, "hooks").
    loadBalancerSourceRanges: ['192.30.252.0/22', '185.199.108.0/22', '140.82.112.0/20', '143.55.64.0/20'],
  });
  return app;
}
