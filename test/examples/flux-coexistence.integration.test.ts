// The README's example and every example, applied with server-side apply onto a cluster that runs
// Flux (the notification-controller part of a Flux v2.9.4 install, applied as Flux's
// kustomize-controller would), must neither conflict with Flux's objects nor change them.
import * as fs from 'fs';
import * as path from 'path';
import { EXAMPLES } from '../../examples/catalog';
import { adminKubeConfig, kubeRequest, KubeResponse, ManifestObject, objectPath } from '../harness/kube';
import { readmeExample, readYaml, synthesizeTo } from '../harness/readme-app';

const README = path.join(__dirname, '..', '..', 'README.md');
const FIXTURE = path.join(__dirname, '..', 'fixtures', 'flux-install', 'flux-v2.9.4-flux-system.yaml');
const FLUX_MANAGER = 'kustomize-controller';
const USER_MANAGER = 'cdk8s-app';

const kc = adminKubeConfig();
const fluxObjects = readYaml(fs.readFileSync(FIXTURE, 'utf8'));

async function serverSideApply(obj: ManifestObject, fieldManager: string, dryRun = false): Promise<KubeResponse> {
  const target = await objectPath(kc, obj.apiVersion, obj.kind, obj.metadata.namespace, obj.metadata.name);
  const query = `fieldValidation=Strict&fieldManager=${fieldManager}${dryRun ? '&dryRun=All' : ''}`;
  return kubeRequest(kc, 'PATCH', `${target}?${query}`, obj, 'application/apply-patch+yaml');
}

const describeObject = (o: ManifestObject) => `${o.kind}/${o.metadata.name}${o.metadata.namespace ? ` in ${o.metadata.namespace}` : ''}`;

/** What Flux's objects look like now: everything but the fields the apiserver bumps on its own. */
async function fluxState(): Promise<Record<string, unknown>> {
  const state: Record<string, unknown> = {};
  for (const o of fluxObjects) {
    const res = await kubeRequest(kc, 'GET', await objectPath(kc, o.apiVersion, o.kind, o.metadata.namespace, o.metadata.name));
    if (res.status !== 200) throw new Error(`reading ${describeObject(o)}: HTTP ${res.status} ${res.text}`);
    const { metadata, status: _status, ...rest } = res.body;
    const managers = (metadata.managedFields ?? []).map((m: any) => m.manager).sort();
    // Other suites label the shared flux-system namespace (Pod Security); only Flux's labels count there.
    state[describeObject(o)] = o.kind === 'Namespace'
      ? { labels: Object.fromEntries(Object.keys((o.metadata as any).labels).map((k) => [k, metadata.labels[k]])) }
      : { resourceVersion: metadata.resourceVersion, labels: metadata.labels, annotations: metadata.annotations, managers, ...rest };
  }
  return state;
}

const examples: Array<[string, ManifestObject[]]> = [
  ['README', readmeExample()],
  ...EXAMPLES.map((e): [string, ManifestObject[]] => [e.name, synthesizeTo((outdir) => e.build(outdir).synth())]),
];

beforeAll(async () => {
  for (const o of fluxObjects) {
    const res = await serverSideApply(o, FLUX_MANAGER);
    if (res.status < 200 || res.status >= 300) throw new Error(`applying Flux's ${describeObject(o)}: HTTP ${res.status} ${res.text}`);
  }
  // Namespaces the examples use besides Flux's (created when absent; another suite may have).
  const namespaces = new Set(examples.flatMap(([, objects]) => objects.map((o) => o.metadata.namespace).filter((n): n is string => !!n)));
  for (const name of namespaces) {
    const res = await kubeRequest(kc, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    if (res.status !== 201 && res.status !== 409) throw new Error(`creating namespace ${name}: HTTP ${res.status} ${res.text}`);
  }
});

test('the check can fail: a Service that reuses Flux\'s webhook-receiver name conflicts with Flux\'s field manager', async () => {
  const takeover: ManifestObject = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'webhook-receiver', namespace: 'flux-system' },
    spec: { selector: { 'app.kubernetes.io/name': 'flux-webhook-receiver' }, ports: [{ name: 'http', port: 80, targetPort: 9292 }] },
  } as ManifestObject;
  const res = await serverSideApply(takeover, USER_MANAGER, true);
  expect(res.status).toBe(409);
  expect(res.body.message).toMatch(/conflicts with "kustomize-controller":[\s\S]*- \.spec\.selector/);
});

test('the README example creates the GitRepository webapp that its kubectl and flux commands name', () => {
  const readme = fs.readFileSync(README, 'utf8');
  expect(readme).toContain('kubectl describe gitrepository webapp');
  const [, objects] = examples.find(([name]) => name === 'README')!;
  expect(objects.filter((o) => o.kind === 'GitRepository').map((o) => `${o.metadata.namespace}/${o.metadata.name}`)).toEqual(['flux-system/webapp']);
});

test('the README example and every example apply beside Flux without a conflict, and leave Flux\'s objects unchanged', async () => {
  expect(examples.map(([name]) => name)).toEqual(['README', ...EXAMPLES.map((e) => e.name)]);
  const before = await fluxState();
  const failures: string[] = [];
  let applied = 0;
  for (const [name, objects] of examples) {
    expect({ name, count: objects.length > 0 }).toEqual({ name, count: true });
    for (const o of objects) {
      const res = await serverSideApply(o, USER_MANAGER);
      if (res.status < 200 || res.status >= 300) failures.push(`${name}: ${describeObject(o)}: HTTP ${res.status} ${res.body?.message ?? res.text}`);
      else applied++;
    }
  }
  expect(failures).toEqual([]);
  expect(applied).toBeGreaterThan(50);
  expect(await fluxState()).toEqual(before);
  expect(Object.keys(before)).toHaveLength(fluxObjects.length);
});
