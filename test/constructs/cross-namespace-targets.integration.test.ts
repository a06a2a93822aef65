// Targets outside the receivers' namespace: refused at synth time unless the app lists their
// namespace in crossNamespaceTargets. For WebhookReceiver each such namespace costs a Role and a
// RoleBinding there (a deployer limited to its own namespace gets Forbidden at apply time); for
// FluxReceivers notification-controller refuses them when it runs with --no-cross-namespace-refs.
import { Chart, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { FluxReceivers, ReceiverProvider, ReconcileTarget, WebhookReceiver, WebhookReceiverProps } from '../../src';
import { createTestNamespace, dryRunApply, kubeConfigForToken, ManifestObject, ManifestRejected, serviceAccountWithRole, manifestIds } from '../harness/kube';

function app(backend: 'server' | 'flux', crossNamespaceTargets?: string[], extra: WebhookReceiverProps = {}) {
  const chart = new Chart(Testing.app(), 'webhooks', { namespace: 'team-a' });
  const host = backend === 'server'
    ? new WebhookReceiver(chart, 'receiver', { crossNamespaceTargets, ...extra })
    : new FluxReceivers(chart, 'receiver', { crossNamespaceTargets });
  const secret = kplus.Secret.fromSecretName(chart, 'token', 'webhook-token');
  const add = () => host.addReceiver('webapp', {
    provider: ReceiverProvider.github(),
    secret,
    targets: [ReconcileTarget.gitRepository('local'), ReconcileTarget.gitRepository('webapp', { namespace: 'flux-system' })],
  });
  return { chart, add };
}

describe.each(['server', 'flux'] as const)('%s backend', (backend) => {
  const construct = backend === 'server' ? 'WebhookReceiver' : 'FluxReceivers';

  test('a target in another namespace is refused, naming the construct, receiver, target and both ways out', () => {
    const message = (() => {
      try {
        app(backend).add();
      } catch (err) {
        return (err as Error).message;
      }
      throw new Error('no error');
    })();
    expect(message).toContain(`${construct} webhooks/receiver: receiver "webapp": target GitRepository "webapp" is in namespace "flux-system", not in the receivers' namespace "team-a": `);
    expect(message).toMatch(/Either declare the receiver in "flux-system" \(a chart or construct with namespace "flux-system"\), or allow the namespace explicitly with crossNamespaceTargets: \['flux-system'\]$/);
    expect(message).toMatch(backend === 'server'
      ? /serving it needs a Role and RoleBinding for this server in "flux-system", which applying the app would create there \(a deployer limited to "team-a" gets Forbidden\)/
      : /notification-controller refuses it when it runs with --no-cross-namespace-refs/);
  });

  test('listed in crossNamespaceTargets, it is accepted', () => {
    const { chart, add } = app(backend, ['flux-system']);
    add();
    const manifests = Testing.synth(chart);
    if (backend === 'server') {
      expect(manifests.filter((m) => m.kind === 'Role').map((r) => r.metadata.namespace).sort()).toEqual(['flux-system', 'team-a']);
    } else {
      expect(manifests.filter((m) => m.kind === 'Receiver')[0].spec.resources.map((r: any) => r.namespace)).toEqual([undefined, 'flux-system']);
    }
  });

  test('a namespace other than the listed ones is still refused, and the message lists what to add', () => {
    const { add } = app(backend, ['apps']);
    expect(add).toThrow(/with crossNamespaceTargets: \['apps', 'flux-system'\]$/);
  });

  test('entries must be namespace names', () => {
    expect(() => app(backend, ['Flux_System'])).toThrow(`${construct} webhooks/receiver: crossNamespaceTargets[0] "Flux_System" is not a valid namespace name`);
    expect(() => app(backend, 'flux-system' as any)).toThrow(/crossNamespaceTargets "flux-system" is not a list/);
  });
});

test('crossNamespaceTargets and noCrossNamespaceRefs contradict each other', () => {
  expect(() => app('server', ['flux-system'], { noCrossNamespaceRefs: true }))
    .toThrow('WebhookReceiver webhooks/receiver: crossNamespaceTargets ["flux-system"] contradicts noCrossNamespaceRefs: true, which refuses every target outside "team-a": drop one of them');
});

test('on the real apiserver: a deployer with every right in its own namespace only applies the app until a target namespace is allowed', async () => {
  const team = await createTestNamespace('xns-team');
  const flux = await createTestNamespace('xns-flux');
  const deployer = kubeConfigForToken(await serviceAccountWithRole(team, 'deployer', [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }]));
  const synth = (targets: ReconcileTarget[], crossNamespaceTargets?: string[]): ManifestObject[] => {
    const chart = new Chart(Testing.app(), 'webhooks', { namespace: team });
    new WebhookReceiver(chart, 'receiver', { crossNamespaceTargets }).addReceiver('webapp', {
      provider: ReceiverProvider.github(), secret: kplus.Secret.fromSecretName(chart, 'token', 'webhook-token'), targets,
    });
    return Testing.synth(chart) as ManifestObject[];
  };
  // Targets in the receiver's namespace: everything lands there, and the deployer may apply it.
  const local = synth([ReconcileTarget.gitRepository('webapp')]);
  expect(await dryRunApply(local, undefined, deployer)).toEqual(manifestIds(local));
  // A target elsewhere is what the synth-time error is about: allowed explicitly, the Role there is Forbidden to this deployer.
  const rejected = await dryRunApply(synth([ReconcileTarget.gitRepository('webapp', { namespace: flux })], [flux]), undefined, deployer).catch((e: unknown) => e);
  expect(rejected).toBeInstanceOf(ManifestRejected);
  expect(rejected).toMatchObject({ status: 403, object: expect.stringMatching(new RegExp(`^Role/.* in ${flux}$`)) });
});
