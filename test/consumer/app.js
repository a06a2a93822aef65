// A consumer's cdk8s app, as plain CommonJS against the installed tarball: the bundled server
// with one exposure, and Receiver objects for Flux's own notification-controller, in one chart.
const { App, Chart } = require('cdk8s');
const kplus = require('cdk8s-plus-28');
const {
  ExposeViaLoadBalancer, FluxReceivers, GitRef, GitRepository, ReceiverProvider, ReconcileTarget, WebhookReceiver,
} = require('cdk8s-flux-webhooks');

const app = new App({ outdir: process.argv[2] });
const chart = new Chart(app, 'consumer', { namespace: 'webhooks' });
const repo = new GitRepository(chart, 'Webapp', {
  metadata: { name: 'webapp' },
  url: 'https://github.com/org/webapp',
  ref: GitRef.branch('main'),
});
const token = kplus.Secret.fromSecretName(chart, 'Token', 'webhook-token');

const receiver = new WebhookReceiver(chart, 'Receiver');
receiver.addReceiver('bundled', {
  provider: ReceiverProvider.github({ events: ['ping', 'push'] }),
  secret: token,
  targets: [ReconcileTarget.fromApiObject(repo)],
  // Compiled at synth time by the bundled CEL library (ESM, loaded with require).
  resourceFilter: "sets.contains(['refs/heads/main'], [req.ref])",
});
try {
  receiver.addReceiver('bad-filter', {
    provider: ReceiverProvider.github({ events: ['push'] }),
    secret: token,
    targets: [ReconcileTarget.fromApiObject(repo)],
    resourceFilter: 'req.ref',
  });
  throw new Error('consumer: a resourceFilter returning no bool was accepted');
} catch (err) {
  if (!String(err.message).includes('does not compile: CEL expression output type mismatch: expected bool, got dyn')) throw err;
}
new ExposeViaLoadBalancer(chart, 'Public', { receiver });

const flux = new FluxReceivers(chart, 'Flux');
flux.addReceiver('flux-native', {
  provider: ReceiverProvider.gitlab({ events: ['Push Hook'] }),
  secret: token,
  targets: [ReconcileTarget.fromApiObject(repo)],
});
app.synth();
