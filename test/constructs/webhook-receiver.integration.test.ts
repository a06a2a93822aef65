import * as fs from 'fs';
import { join } from 'path';
import { ApiObject, Chart, JsonPatch, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Node } from 'constructs';
import { parseAllDocuments } from 'yaml';
import { receiverApp } from './scenario';
import { parseCommandLine } from '../../server/cli';
import { FluxReceivers, ReceiverMode, ReceiverProvider, ReconcileTarget, WebhookReceiver } from '../../src';
import {
  adminKubeConfig, apply, createTestNamespace, dryRunApply, kubeConfigForToken, kubeRequest, ManifestObject, serviceAccountToken, manifestIds,
} from '../harness/kube';

const VERSION: string = JSON.parse(fs.readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')).version;

type Manifest = ManifestObject & { spec?: any; data?: any; rules?: any; subjects?: any; roleRef?: any };

const byKind = (manifests: Manifest[], kind: string) => manifests.filter((m) => m.kind === kind);
const one = (manifests: Manifest[], kind: string) => {
  const found = byKind(manifests, kind);
  expect(found).toHaveLength(1);
  return found[0];
};

describe('WebhookReceiver', () => {
  const synth = () => Testing.synth(receiverApp('flux-system', 'apps', 'server').chart) as Manifest[];

  test('snapshot of the full scenario (package version masked, so releases do not break it)', () => {
    const masked = JSON.stringify(synth()).split(`"${VERSION}"`).join('"<version>"').split(`:v${VERSION}"`).join(':v<version>"');
    expect(JSON.parse(masked)).toMatchSnapshot();
  });

  test('defaultChild is the Deployment, and the L1s are exposed', () => {
    const { host } = receiverApp('flux-system', 'apps', 'server');
    const receiver = host as WebhookReceiver;
    expect((Node.of(receiver).defaultChild as ApiObject).kind).toBe('Deployment');
    expect(ApiObject.of(receiver)).toBe(receiver.deployment);
    const exposed = [receiver.serviceAccount, receiver.configMap, receiver.service, receiver.podDisruptionBudget, receiver.networkPolicy];
    const kinds = exposed.map((o) => o?.kind);
    expect(kinds)
      .toEqual(['ServiceAccount', 'ConfigMap', 'Service', 'PodDisruptionBudget', 'NetworkPolicy']);
    expect(receiver.roles.map((r) => r.metadata.namespace).sort()).toEqual(['apps', 'flux-system']);
    expect(receiver.roleBindings).toHaveLength(2);
    expect(receiver.receivers.map((r) => r.name)).toEqual(['webapp', 'actions', 'registry']);
  });

  test('implements IWebhookReceiver for the exposures', () => {
    const { host } = receiverApp('flux-system', 'apps', 'server');
    expect({
      namespace: host.namespace,
      serviceName: host.serviceName,
      servicePort: host.servicePort,
      webhookPort: host.webhookPort,
      podSelectorLabels: host.podSelectorLabels,
    }).toEqual({
      namespace: 'flux-system',
      serviceName: 'flux-webhook-receiver',
      servicePort: 80,
      webhookPort: 9292,
      podSelectorLabels: { 'app.kubernetes.io/name': 'flux-webhook-receiver', 'app.kubernetes.io/instance': 'flux-webhook-receiver' },
    });
  });

  test('the Service maps 80 to the http-webhook port and selects only the receiver pods', () => {
    const service = one(synth(), 'Service');
    expect(service.metadata.name).toBe('flux-webhook-receiver');
    expect(service.spec).toEqual({
      type: 'ClusterIP',
      selector: { 'app.kubernetes.io/name': 'flux-webhook-receiver', 'app.kubernetes.io/instance': 'flux-webhook-receiver' },
      ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 'http-webhook' }],
    });
  });

  test('every object carries the recommended labels and the receiver namespace', () => {
    const manifests = synth();
    for (const m of manifests.filter((x) => !['GitRepository'].includes(x.kind))) {
      expect(m.metadata.labels).toEqual({
        'app.kubernetes.io/name': 'flux-webhook-receiver',
        'app.kubernetes.io/instance': 'flux-webhook-receiver',
        'app.kubernetes.io/component': 'webhook-receiver',
        'app.kubernetes.io/part-of': 'flux',
        'app.kubernetes.io/managed-by': 'cdk8s',
        'app.kubernetes.io/version': VERSION,
      });
    }
    expect(manifests.filter((m) => m.kind !== 'Role' && m.kind !== 'RoleBinding').every((m) => m.metadata.namespace === 'flux-system')).toBe(true);
  });

  test('the Deployment: image from the package version, 2 replicas, spread, probes, ports, args, restricted security', () => {
    const deployment = one(synth(), 'Deployment');
    const pod = deployment.spec.template.spec;
    const container = pod.containers[0];
    expect(deployment.spec.replicas).toBe(2);
    expect(container.image).toBe(`ghcr.io/cdk8s-flux-webhooks/receiver:v${VERSION}`);
    expect(container.args).toEqual([
      'serve', '--receivers', '/etc/flux-webhooks/receivers', '--secrets-dir', '/etc/flux-webhooks/secrets',
      '--listen', ':9292', '--metrics-listen', ':8080', '--health-listen', ':9440',
    ]);
    expect(container.ports).toEqual([
      { name: 'http-webhook', containerPort: 9292, protocol: 'TCP' },
      { name: 'http-prom', containerPort: 8080, protocol: 'TCP' },
      { name: 'healthz', containerPort: 9440, protocol: 'TCP' },
    ]);
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'healthz' });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'healthz' });
    expect(container.resources).toEqual({ requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '1', memory: '384Mi' } });
    expect(container.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 65532,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.topologySpreadConstraints).toEqual([{
      maxSkew: 1,
      topologyKey: 'kubernetes.io/hostname',
      whenUnsatisfiable: 'ScheduleAnyway',
      labelSelector: { matchLabels: { 'app.kubernetes.io/name': 'flux-webhook-receiver', 'app.kubernetes.io/instance': 'flux-webhook-receiver' } },
    }]);
    expect(deployment.spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'flux-webhook-receiver', 'app.kubernetes.io/instance': 'flux-webhook-receiver' });
  });

  test('each referenced Secret is mounted once, read-only and optional, under the secrets dir; /tmp is an emptyDir', () => {
    const manifests = synth();
    const pod = one(manifests, 'Deployment').spec.template.spec;
    const configMap = one(manifests, 'ConfigMap');
    expect(pod.volumes).toEqual([
      { name: 'tmp', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } },
      { name: 'receivers', configMap: { name: configMap.metadata.name } },
      { name: 'secret-0', secret: { secretName: 'harbor-token', optional: true, defaultMode: 0o440 } },
      { name: 'secret-1', secret: { secretName: 'webhook-token', optional: true, defaultMode: 0o440 } },
    ]);
    expect(pod.containers[0].volumeMounts).toEqual([
      { name: 'tmp', mountPath: '/tmp' },
      { name: 'receivers', mountPath: '/etc/flux-webhooks/receivers', readOnly: true },
      { name: 'secret-0', mountPath: '/etc/flux-webhooks/secrets/harbor-token', readOnly: true },
      { name: 'secret-1', mountPath: '/etc/flux-webhooks/secrets/webhook-token', readOnly: true },
    ]);
  });

  test('the ConfigMap holds the Receivers as Flux v1 YAML documents', () => {
    const configMap = one(synth(), 'ConfigMap');
    const docs = parseAllDocuments(configMap.data['receivers.yaml']).map((d) => d.toJS());
    expect(docs).toEqual([
      {
        apiVersion: 'notification.toolkit.fluxcd.io/v1',
        kind: 'Receiver',
        metadata: { name: 'webapp', namespace: 'flux-system' },
        spec: {
          type: 'github',
          interval: '30m',
          events: ['ping', 'push'],
          secretRef: { name: 'webhook-token' },
          resourceFilter: "req.ref == 'refs/heads/master'",
          resources: [
            { apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'GitRepository', name: 'webapp', namespace: 'flux-system' },
            { apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'OCIRepository', name: '*', matchLabels: { team: 'web' }, filter: "res.metadata.name != 'skip'" },
            { apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization', name: 'apps', namespace: 'apps' },
          ],
        },
      },
      {
        apiVersion: 'notification.toolkit.fluxcd.io/v1',
        kind: 'Receiver',
        metadata: { name: 'actions', namespace: 'flux-system' },
        spec: {
          type: 'generic-oidc',
          oidcProviders: [{
            issuerURL: 'https://token.actions.githubusercontent.com',
            audience: 'flux',
            variables: [{ name: 'owner', expression: 'claims.repository_owner' }],
            validations: [{ expression: "vars.owner == 'org'", message: 'only org workflows' }],
          }],
          resources: [{ apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'GitRepository', name: 'webapp' }],
        },
      },
      {
        apiVersion: 'notification.toolkit.fluxcd.io/v1',
        kind: 'Receiver',
        metadata: { name: 'registry', namespace: 'flux-system' },
        spec: {
          type: 'harbor',
          secretRef: { name: 'harbor-token' },
          suspend: true,
          resources: [{ apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'OCIRepository', name: 'app' }],
        },
      },
    ]);
  });

  test('the pod template checksum follows the receiver definitions, so changes roll out', () => {
    const checksum = (targetName: string) => {
      const chart = Testing.chart();
      const receiver = new WebhookReceiver(chart, 'receiver', { namespace: 'flux-system' });
      receiver.addReceiver('webapp', {
        provider: ReceiverProvider.generic(),
        secret: kplus.Secret.fromSecretName(chart, 'token', 'token'),
        targets: [ReconcileTarget.gitRepository(targetName)],
      });
      const deployment = (Testing.synth(chart) as Manifest[]).find((m) => m.kind === 'Deployment')!;
      return deployment.spec.template.metadata.annotations['checksum/receivers'];
    };
    expect(checksum('a')).toMatch(/^[0-9a-f]{64}$/);
    expect(checksum('a')).toBe(checksum('a'));
    expect(checksum('a')).not.toBe(checksum('b'));
  });

  test('a PodDisruptionBudget keeps one pod when there are 2 or more replicas, and none with 1', () => {
    expect(one(synth(), 'PodDisruptionBudget').spec).toEqual({
      minAvailable: 1,
      selector: { matchLabels: { 'app.kubernetes.io/name': 'flux-webhook-receiver', 'app.kubernetes.io/instance': 'flux-webhook-receiver' } },
    });
    const single = Testing.synth(receiverApp('flux-system', 'apps', 'server', { replicas: 1 }).chart) as Manifest[];
    expect(byKind(single, 'PodDisruptionBudget')).toHaveLength(0);
    expect(one(single, 'Deployment').spec.replicas).toBe(1);
  });

  test('the NetworkPolicy admits webhooks from any namespace and metrics from the monitoring namespaces', () => {
    expect(one(synth(), 'NetworkPolicy').spec).toEqual({
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'flux-webhook-receiver', 'app.kubernetes.io/instance': 'flux-webhook-receiver' } },
      policyTypes: ['Ingress'],
      ingress: [
        { from: [{ namespaceSelector: {} }], ports: [{ protocol: 'TCP', port: 9292 }] },
        { from: [{ namespaceSelector: {} }], ports: [{ protocol: 'TCP', port: 8080 }] },
      ],
    });
    const monitored = Testing.synth(receiverApp('flux-system', 'apps', 'server', { metricsNamespaceLabels: { 'kubernetes.io/metadata.name': 'monitoring' } }).chart) as Manifest[];
    expect(one(monitored, 'NetworkPolicy').spec.ingress[1].from).toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }]);
    const none = Testing.synth(receiverApp('flux-system', 'apps', 'server', { networkPolicy: false }).chart) as Manifest[];
    expect(byKind(none, 'NetworkPolicy')).toHaveLength(0);
  });

  test('RBAC: a Role per target namespace with read on the target kinds and patch on the named targets only', () => {
    const manifests = synth();
    const sa = one(manifests, 'ServiceAccount');
    const roles = Object.fromEntries(byKind(manifests, 'Role').map((r) => [r.metadata.namespace, r.rules]));
    expect(roles).toEqual({
      'flux-system': [
        { apiGroups: ['source.toolkit.fluxcd.io'], resources: ['gitrepositories'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: ['source.toolkit.fluxcd.io'], resources: ['gitrepositories'], resourceNames: ['webapp'], verbs: ['patch'] },
        { apiGroups: ['source.toolkit.fluxcd.io'], resources: ['ocirepositories'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: ['source.toolkit.fluxcd.io'], resources: ['ocirepositories'], verbs: ['patch'] },
      ],
      'apps': [
        { apiGroups: ['kustomize.toolkit.fluxcd.io'], resources: ['kustomizations'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: ['kustomize.toolkit.fluxcd.io'], resources: ['kustomizations'], resourceNames: ['apps'], verbs: ['patch'] },
      ],
    });
    expect(JSON.stringify(byKind(manifests, 'Role'))).not.toMatch(/secrets/);
    expect(byKind(manifests, 'ClusterRole')).toHaveLength(0);
    for (const binding of byKind(manifests, 'RoleBinding')) {
      const role = byKind(manifests, 'Role').find((r) => r.metadata.namespace === binding.metadata.namespace)!;
      expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role.metadata.name });
      expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: sa.metadata.name, namespace: 'flux-system' }]);
    }
    expect(one(manifests, 'Deployment').spec.template.spec.serviceAccountName).toBe(sa.metadata.name);
  });

  test('namespace defaults to the chart namespace, then flux-system; image and serviceName can be set', () => {
    const chart = new Chart(Testing.app(), 'c', { namespace: 'team-a' });
    expect(new WebhookReceiver(chart, 'r').namespace).toBe('team-a');
    expect(new WebhookReceiver(Testing.chart(), 'r').namespace).toBe('flux-system');
    const custom = new WebhookReceiver(Testing.chart(), 'r', { image: 'registry.local/receiver:dev', serviceName: 'hooks' });
    expect(custom.image).toBe('registry.local/receiver:dev');
    expect(custom.podSelectorLabels['app.kubernetes.io/instance']).toBe('hooks');
  });

  test('noCrossNamespaceRefs adds the flag and refuses targets elsewhere', () => {
    const manifests = Testing.synth(receiverApp('flux-system', 'flux-system', 'server', { noCrossNamespaceRefs: true }).chart) as Manifest[];
    const args = one(manifests, 'Deployment').spec.template.spec.containers[0].args;
    // A boolean flag without a value: the server would read a following "true" as the next flag.
    expect(args.slice(-2)).toEqual([':9440', '--no-cross-namespace-refs']);
    const parsed = parseCommandLine(args, {});
    expect(parsed.kind === 'serve' && parsed.options.noCrossNamespaceRefs).toBe(true);
    expect(() => receiverApp('flux-system', 'apps', 'server', { noCrossNamespaceRefs: true }))
      .toThrow(/target Kustomization "apps" is in namespace "apps", but noCrossNamespaceRefs allows only "flux-system"/);
  });

  test('an escape-hatch patch on the Deployment survives synthesis', () => {
    const { chart, host } = receiverApp('flux-system', 'apps', 'server');
    ApiObject.of(host).addJsonPatch(JsonPatch.add('/spec/template/spec/priorityClassName', 'system-cluster-critical'));
    expect(one(Testing.synth(chart) as Manifest[], 'Deployment').spec.template.spec.priorityClassName).toBe('system-cluster-critical');
  });

  describe('validation', () => {
    test('duplicate receiver names', () => {
      const chart = Testing.chart();
      const secret = kplus.Secret.fromSecretName(chart, 'token', 'token');
      const receiver = new WebhookReceiver(chart, 'receiver');
      receiver.addReceiver('webapp', { provider: ReceiverProvider.generic(), secret, targets: [ReconcileTarget.gitRepository('a')] });
      expect(() => receiver.addReceiver('webapp', { provider: ReceiverProvider.gitlab(), secret, targets: [ReconcileTarget.gitRepository('b')] }))
        .toThrow(/receiver "webapp" is defined twice in namespace "flux-system"/);
    });

    test('bad props', () => {
      expect(() => new WebhookReceiver(Testing.chart(), 'r', { replicas: 0 })).toThrow(/replicas 0 must be a whole number of at least 1/);
      expect(() => new WebhookReceiver(Testing.chart(), 'r', { namespace: 'Flux' })).toThrow(/namespace "Flux" is not a valid namespace name/);
      expect(() => new WebhookReceiver(Testing.chart(), 'r', { serviceName: 'web_hooks' })).toThrow(/serviceName "web_hooks" is not a valid Kubernetes object name/);
      expect(() => new WebhookReceiver(Testing.chart(), 'r', { image: ' ' })).toThrow(/image "" is empty/);
    });
  });
});

describe('WebhookReceiver in cluster mode', () => {
  const synth = () => Testing.synth(receiverApp('flux-system', 'apps', 'server', { mode: ReceiverMode.cluster() }).chart) as Manifest[];

  test('snapshot of the scenario in cluster mode (package version masked)', () => {
    const masked = JSON.stringify(synth()).split(`"${VERSION}"`).join('"<version>"').split(`:v${VERSION}"`).join(':v<version>"');
    expect(JSON.parse(masked)).toMatchSnapshot();
  });

  test('the receivers are Flux Receiver objects, exactly as FluxReceivers renders them; no ConfigMap', () => {
    const manifests = synth();
    const flux = (Testing.synth(receiverApp('flux-system', 'apps', 'flux').chart) as Manifest[]).filter((m) => m.kind === 'Receiver');
    expect(byKind(manifests, 'Receiver')).toEqual(flux);
    expect(byKind(manifests, 'Receiver').map((r) => `${r.metadata.namespace}/${r.metadata.name}:${r.spec.type}:${r.spec.secretRef?.name ?? '-'}`))
      .toEqual(['flux-system/webapp:github:webhook-token', 'flux-system/actions:generic-oidc:-', 'flux-system/registry:harbor:harbor-token']);
    expect(byKind(manifests, 'ConfigMap')).toEqual([]);
    const { host } = receiverApp('flux-system', 'apps', 'server', { mode: ReceiverMode.cluster() });
    const receiver = host as WebhookReceiver;
    expect(receiver.configMap).toBeUndefined();
    expect(receiver.mode.kind).toBe('cluster');
    expect(receiver.receiverObjects.map((o) => o.name)).toEqual(['webapp', 'actions', 'registry']);
  });

  test('the server watches Receivers in its namespace and reads Secrets by name; nothing is mounted, no checksum', () => {
    const deployment = one(synth(), 'Deployment');
    const pod = deployment.spec.template.spec;
    expect(pod.containers[0].args).toEqual([
      'serve', '--watch-receivers', '--namespace', 'flux-system', '--secrets-by-name',
      '--listen', ':9292', '--metrics-listen', ':8080', '--health-listen', ':9440',
    ]);
    const parsed = parseCommandLine(pod.containers[0].args, {});
    expect(parsed.kind === 'serve' && parsed.options).toMatchObject({ watchReceivers: true, namespace: 'flux-system', secretsByName: true, receivers: undefined });
    expect(pod.volumes).toEqual([{ name: 'tmp', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } }]);
    expect(pod.containers[0].volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
    expect(deployment.spec.template.metadata.annotations).toBeUndefined();
    expect(pod.automountServiceAccountToken).toBe(true);
  });

  test('RBAC: read Receivers, patch only their status, get only the named Secrets, in the receiver namespace', () => {
    const manifests = synth();
    const roles = byKind(manifests, 'Role');
    const own = roles.find((r) => r.metadata.namespace === 'flux-system')!;
    expect(own.rules.slice(0, 3)).toEqual([
      { apiGroups: ['notification.toolkit.fluxcd.io'], resources: ['receivers'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['notification.toolkit.fluxcd.io'], resources: ['receivers/status'], verbs: ['patch'] },
      { apiGroups: [''], resources: ['secrets'], resourceNames: ['harbor-token', 'webhook-token'], verbs: ['get'] },
    ]);
    // The other namespace's Role is about targets only.
    const apps = roles.find((r) => r.metadata.namespace === 'apps')!;
    expect(apps.rules.flatMap((r: any) => r.resources)).toEqual(['kustomizations', 'kustomizations']);
    expect(byKind(manifests, 'ClusterRole')).toEqual([]);
  });

  test('a Role in the receiver namespace even without targets there; no Secret rule without Secrets', () => {
    const chart = Testing.chart();
    const receiver = new WebhookReceiver(chart, 'r', { mode: ReceiverMode.cluster(), crossNamespaceTargets: ['apps'] });
    receiver.addReceiver('oidc', {
      provider: ReceiverProvider.genericOidc({ issuers: [{ issuerUrl: 'https://token.actions.githubusercontent.com', audience: 'flux', validations: [{ expression: "claims.repository_owner == 'org'", message: 'wrong owner' }] }] }),
      targets: [ReconcileTarget.gitRepository('a', { namespace: 'apps' })],
    });
    const roles = byKind(Testing.synth(chart) as Manifest[], 'Role');
    expect(roles.map((r) => r.metadata.namespace).sort()).toEqual(['apps', 'flux-system']);
    expect(roles.find((r) => r.metadata.namespace === 'flux-system')!.rules).toEqual([
      { apiGroups: ['notification.toolkit.fluxcd.io'], resources: ['receivers'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['notification.toolkit.fluxcd.io'], resources: ['receivers/status'], verbs: ['patch'] },
    ]);
  });

  test('files mode stays the default and renders no Receiver objects', () => {
    const manifests = Testing.synth(receiverApp('flux-system', 'apps', 'server').chart) as Manifest[];
    expect(byKind(manifests, 'Receiver')).toEqual([]);
    expect(byKind(manifests, 'ConfigMap')).toHaveLength(1);
    expect(new WebhookReceiver(Testing.chart(), 'r').mode.kind).toBe('files');
    expect(new WebhookReceiver(Testing.chart(), 'r', { mode: ReceiverMode.files() }).receiverObjects).toEqual([]);
  });

  test('a mode not made by ReceiverMode (possible from JavaScript) is refused with the fix', () => {
    expect(() => new WebhookReceiver(Testing.chart(), 'r', { mode: { kind: 'cluster' } as any }))
      .toThrow('WebhookReceiver test/r: mode {"kind":"cluster"} is not a receiver mode: use ReceiverMode.files() or ReceiverMode.cluster()');
    expect(() => (ReceiverMode.cluster as any)({ statusWrites: 'always' }))
      .toThrow('ReceiverMode.cluster() takes no options, got {"statusWrites":"always"}: call it without arguments');
  });

  test('two cluster-mode receivers in one namespace are refused at synth time; in two namespaces, or next to files mode, they are fine', () => {
    const chart = Testing.chart();
    new WebhookReceiver(chart, 'a', { mode: ReceiverMode.cluster() });
    new WebhookReceiver(chart, 'b', { mode: ReceiverMode.cluster(), serviceName: 'hooks-b' });
    expect(() => Testing.synth(chart)).toThrow('[test/a] WebhookReceiver test/a: mode ReceiverMode.cluster() in namespace "flux-system" is also the mode of WebhookReceiver test/b there; each server would serve the other\'s Receivers and overwrite their status: put one in another namespace, or give it ReceiverMode.files()');

    const ok = Testing.chart();
    new WebhookReceiver(ok, 'a', { mode: ReceiverMode.cluster() });
    new WebhookReceiver(ok, 'b', { mode: ReceiverMode.cluster(), namespace: 'team-b' });
    new WebhookReceiver(ok, 'c', { serviceName: 'hooks-c' });
    expect(() => Testing.synth(ok)).not.toThrow();
  });

  test('FluxReceivers is unaffected (no RBAC, no server)', () => {
    const chart = Testing.chart();
    new FluxReceivers(chart, 'f').addReceiver('x', { provider: ReceiverProvider.generic(), secret: kplus.Secret.fromSecretName(chart, 's', 's'), targets: [ReconcileTarget.gitRepository('a')] });
    expect((Testing.synth(chart) as Manifest[]).map((m) => m.kind)).toEqual(['Receiver']);
  });
});

describe('WebhookReceiver on the real apiserver', () => {
  let ns: string;
  let appsNs: string;
  let manifests: Manifest[];

  beforeAll(async () => {
    const restricted = { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'latest' };
    ns = await createTestNamespace('cr', restricted);
    appsNs = await createTestNamespace('cr-apps', restricted);
    manifests = Testing.synth(receiverApp(ns, appsNs, 'server').chart) as Manifest[];
  });

  test('every synthesized object passes a strict server-side dry run', async () => {
    expect(await dryRunApply(manifests)).toEqual(manifestIds(manifests));
    expect(manifests.map((m) => m.kind).sort()).toEqual([
      'ConfigMap', 'Deployment', 'GitRepository', 'NetworkPolicy', 'PodDisruptionBudget', 'Role', 'Role', 'RoleBinding', 'RoleBinding', 'Service', 'ServiceAccount',
    ]);
  });

  test('a Pod built from the Deployment template is admitted under Pod Security "restricted"', async () => {
    await apply([one(manifests, 'ServiceAccount')]);
    const template = one(manifests, 'Deployment').spec.template;
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'receiver-pod', namespace: ns, ...template.metadata }, spec: template.spec };
    expect(await dryRunApply([pod])).toEqual(manifestIds([pod]));
    // The same pod without the hardening is refused, so the namespace really enforces "restricted".
    const weak = JSON.parse(JSON.stringify(pod));
    delete weak.spec.containers[0].securityContext.capabilities;
    weak.metadata.name = 'weak-pod';
    await expect(dryRunApply([weak])).rejects.toThrow(/Pod\/weak-pod.*restricted/);
  });

  test('the ConfigMap documents pass strict validation as Flux Receiver objects', async () => {
    const docs = parseAllDocuments(one(manifests, 'ConfigMap').data['receivers.yaml']).map((d) => d.toJS() as Manifest);
    expect(docs.map((d) => d.metadata.name)).toEqual(['webapp', 'actions', 'registry']);
    expect(await dryRunApply(docs)).toEqual(manifestIds(docs));
  });

  test('RBAC: the ServiceAccount can read and patch exactly its targets, nothing else and no Secrets', async () => {
    await apply([one(manifests, 'ServiceAccount'), ...byKind(manifests, 'Role'), ...byKind(manifests, 'RoleBinding')]);
    const admin = adminKubeConfig();
    const create = async (path: string, body: object) => {
      const res = await kubeRequest(admin, 'POST', path, body);
      expect([201, 409]).toContain(res.status);
    };
    const src = `/apis/source.toolkit.fluxcd.io/v1/namespaces/${ns}`;
    const gitRepo = (name: string) => ({ apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'GitRepository', metadata: { name }, spec: { url: 'https://github.com/org/x', interval: '1h' } });
    await create(`${src}/gitrepositories`, gitRepo('webapp'));
    await create(`${src}/gitrepositories`, gitRepo('other'));
    await create(`${src}/ocirepositories`, {
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'OCIRepository',
      metadata: { name: 'labelled', labels: { team: 'web' } },
      spec: { url: 'oci://ghcr.io/org/app', interval: '1h' },
    });
    await create(`/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/${appsNs}/kustomizations`, {
      apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
      kind: 'Kustomization',
      metadata: { name: 'apps' },
      spec: { interval: '10m', path: './', prune: true, sourceRef: { kind: 'GitRepository', name: 'webapp', namespace: ns } },
    });
    await create(`/api/v1/namespaces/${ns}/secrets`, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'webhook-token' }, stringData: { token: 't' } });

    const sa = one(manifests, 'ServiceAccount').metadata.name;
    const kc = kubeConfigForToken(await serviceAccountToken(ns, sa));
    const patch = (path: string) => kubeRequest(kc, 'PATCH', path, { metadata: { annotations: { 'reconcile.fluxcd.io/requestedAt': new Date().toISOString() } } }, 'application/merge-patch+json');
    const status = async (method: string, path: string) => (await kubeRequest(kc, method, path)).status;

    // Targets: read, list, watch, patch.
    expect(await status('GET', `${src}/gitrepositories/webapp`)).toBe(200);
    expect(await status('GET', `${src}/gitrepositories`)).toBe(200);
    expect(await status('GET', `${src}/gitrepositories?watch=1&timeoutSeconds=1`)).toBe(200);
    expect((await patch(`${src}/gitrepositories/webapp`)).status).toBe(200);
    expect(await status('GET', `${src}/ocirepositories?labelSelector=team%3Dweb`)).toBe(200);
    expect((await patch(`${src}/ocirepositories/labelled`)).status).toBe(200);
    const ks = `/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/${appsNs}/kustomizations`;
    expect(await status('GET', `${ks}/apps`)).toBe(200);
    expect(await status('GET', `${ks}?watch=1&timeoutSeconds=1`)).toBe(200);
    expect((await patch(`${ks}/apps`)).status).toBe(200);

    // A GitRepository that is not a target can be read (list/watch need the kind) but not patched.
    expect((await patch(`${src}/gitrepositories/other`)).status).toBe(403);
    // Kinds that are not targets, or targets' kinds in other namespaces.
    expect(await status('GET', `${src}/helmrepositories`)).toBe(403);
    expect(await status('GET', `/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/${ns}/kustomizations`)).toBe(403);
    expect(await status('GET', `/apis/source.toolkit.fluxcd.io/v1/namespaces/${appsNs}/gitrepositories`)).toBe(403);
    expect(await status('GET', '/apis/source.toolkit.fluxcd.io/v1/gitrepositories')).toBe(403);
    expect(await status('DELETE', `${src}/gitrepositories/webapp`)).toBe(403);
    expect((await kubeRequest(kc, 'PUT', `${src}/gitrepositories/webapp`, gitRepo('webapp'))).status).toBe(403);
    // No Secrets, anywhere.
    expect(await status('GET', `/api/v1/namespaces/${ns}/secrets/webhook-token`)).toBe(403);
    expect(await status('GET', `/api/v1/namespaces/${ns}/secrets`)).toBe(403);
    expect(await status('GET', `/api/v1/namespaces/${ns}/secrets?watch=1&timeoutSeconds=1`)).toBe(403);
    expect(await status('GET', `/api/v1/namespaces/${appsNs}/secrets`)).toBe(403);
  });
});
