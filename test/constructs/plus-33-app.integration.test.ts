// An app made by `cdk8s init typescript-app` uses cdk8s-plus-33; this library peers on
// cdk8s-plus-28. Both install side by side (the README's "Install"): the app keeps plus-33 for
// its own objects and takes the Secret references for receivers from plus-28.
import { App, Chart, Testing } from 'cdk8s';
import * as kplus28 from 'cdk8s-plus-28';
import * as kplus from 'cdk8s-plus-33';
import { GitRepository, ReceiverProvider, ReconcileTarget, WebhookReceiver } from '../../src';
import { createTestNamespace, dryRunApply, ManifestObject, manifestIds } from '../harness/kube';

function plus33App(namespace: string): ManifestObject[] {
  const chart = new Chart(new App(), 'webhooks', { namespace });
  // The app's own objects, with cdk8s-plus-33.
  new kplus.Deployment(chart, 'web', { containers: [{ image: 'nginx:1.27', portNumber: 8080, securityContext: { ensureNonRoot: false } }] });
  const repo = new GitRepository(chart, 'webapp', { url: 'https://github.com/org/webapp' });
  new WebhookReceiver(chart, 'receiver').addReceiver('webapp', {
    provider: ReceiverProvider.github(),
    secret: kplus28.Secret.fromSecretName(chart, 'token', 'webhook-token'),
    targets: [ReconcileTarget.fromApiObject(repo)],
  });
  return Testing.synth(chart) as ManifestObject[];
}

test('a cdk8s-plus-33 app uses the constructs with a cdk8s-plus-28 Secret reference, and applies', async () => {
  const ns = await createTestNamespace('plus33');
  const manifests = plus33App(ns);
  const deployments = manifests.filter((m) => m.kind === 'Deployment');
  expect(deployments).toHaveLength(2);
  const receiver = deployments.find((m) => JSON.stringify(m).includes('--receivers'));
  expect(JSON.stringify(receiver)).toContain('"secretName":"webhook-token"');
  expect(manifests.filter((m) => m.kind === 'GitRepository').map((m) => m.metadata.name)).toEqual(['webapp']);
  expect(await dryRunApply(manifests)).toEqual(manifestIds(manifests));
});
