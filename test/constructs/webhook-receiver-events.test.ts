// WebhookReceiver `recordEvents`: the server flag and create/patch on events in every target
// namespace, only when asked.
import { Chart, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { parseCommandLine } from '../../server/cli';
import { ReceiverProvider, ReconcileTarget, WebhookReceiver } from '../../src';

function synth(recordEvents?: boolean): any[] {
  const chart = new Chart(Testing.app(), 'apps', { namespace: 'flux-system' });
  const server = new WebhookReceiver(chart, 'receiver', { crossNamespaceTargets: ['apps'], ...(recordEvents === undefined ? {} : { recordEvents }) });
  server.addReceiver('webapp', {
    provider: ReceiverProvider.github(),
    secret: kplus.Secret.fromSecretName(chart, 'token', 'webhook-token'),
    targets: [ReconcileTarget.gitRepository('webapp'), ReconcileTarget.kustomization('apps', { namespace: 'apps' })],
  });
  return Testing.synth(chart);
}

const args = (manifests: any[]) => manifests.find((m) => m.kind === 'Deployment').spec.template.spec.containers[0].args as string[];
const eventRules = (manifests: any[]) => manifests.filter((m) => m.kind === 'Role')
  .map((r) => [r.metadata.namespace, r.rules.filter((rule: any) => rule.resources.includes('events'))]);

test('recordEvents adds --record-events (which the server parses) and create/patch on events in each target namespace', () => {
  const manifests = synth(true);
  expect(args(manifests).slice(-1)).toEqual(['--record-events']);
  const parsed = parseCommandLine(args(manifests), {});
  expect(parsed.kind === 'serve' && parsed.options.recordEvents).toBe(true);
  expect(eventRules(manifests).sort()).toEqual([
    ['apps', [{ apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] }]],
    ['flux-system', [{ apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] }]],
  ]);
});

test.each([undefined, false])('recordEvents %j: no flag and no access to events (the default)', (recordEvents) => {
  const manifests = synth(recordEvents);
  expect(args(manifests)).not.toContain('--record-events');
  expect(eventRules(manifests).sort()).toEqual([['apps', []], ['flux-system', []]]);
});
