// Whose Receiver status this server writes: under 'auto' only the ones no notification-controller
// manages (its finalizer or its field manager marks them), under 'always' all, under 'never' none,
// and never one being deleted. (The writes themselves: cluster-receiver-source.integration.test.ts.)
import { CustomObjectsApi, KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { createLogger } from '../../../../server/observability/logger';
import { FLUX_FIELD_MANAGER, FLUX_FINALIZER, managedByNotificationController, StatusWriter, type StatusWrites } from '../../../../server/receivers/cluster/status-writer';

const ours: KubernetesObject = { metadata: { name: 'a', managedFields: [{ manager: 'flux-webhook-receiver' }] } };
const finalized: KubernetesObject = { metadata: { name: 'b', finalizers: [FLUX_FINALIZER] } };
const written: KubernetesObject = { metadata: { name: 'c', managedFields: [{ manager: FLUX_FIELD_MANAGER }] } };
const deleting: KubernetesObject = { metadata: { name: 'd', deletionTimestamp: new Date() } };

function writer(statusWrites: StatusWrites): StatusWriter {
  const kc = new KubeConfig();
  kc.loadFromOptions({ clusters: [{ name: 'c', server: 'https://127.0.0.1:1' }], users: [{ name: 'u' }], contexts: [{ name: 'x', cluster: 'c', user: 'u' }], currentContext: 'x' });
  return new StatusWriter({ statusWrites, customObjects: kc.makeApiClient(CustomObjectsApi), fieldManager: 'test', log: createLogger('error', () => undefined), rbacHint: '' });
}

test('notification-controller manages a Receiver that carries its finalizer or its field manager', () => {
  expect([ours, finalized, written, deleting].map(managedByNotificationController)).toEqual([false, true, true, false]);
});

test.each([
  ['auto', [true, false, false, false]],
  ['always', [true, true, true, false]],
  ['never', [false, false, false, false]],
] as const)('statusWrites %s writes %j of: ours, finalized, written by notification-controller, being deleted', (mode, expected) => {
  const w = writer(mode);
  expect([ours, finalized, written, deleting].map((o) => w.mayWrite(o))).toEqual(expected);
});
