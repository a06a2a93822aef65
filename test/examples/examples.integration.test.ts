// Every example app, synthesized to YAML exactly as `npx projen examples` does, must be accepted
// by a real kube-apiserver (strict server-side dry run, with the Flux and Gateway API CRDs), and
// every Deployment's pod must pass the "restricted" Pod Security Standard.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { EXAMPLES } from '../../examples/catalog';
import { adminKubeConfig, apply, dryRunApply, kubeRequest, ManifestObject, ManifestRejected, manifestIds } from '../harness/kube';

const RESTRICTED = { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'latest' };

interface Synthesized {
  readonly files: string[];
  readonly objects: ManifestObject[];
}

function synthesize(build: (outdir?: string) => { synth(): void }): Synthesized {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'flux-webhooks-example-'));
  try {
    build(outdir).synth();
    const files = fs.readdirSync(outdir).filter((f) => f.endsWith('.yaml')).sort();
    const objects = files.flatMap((f) => parseAllDocuments(fs.readFileSync(path.join(outdir, f), 'utf8')).map((d) => d.toJS() as ManifestObject)).filter(Boolean);
    return { files, objects };
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

/**
 * The examples name fixed namespaces (flux-system, gateway-system), as users' apps do. Create
 * them when absent (another suite may have), and make sure they enforce the restricted profile.
 */
async function ensureRestrictedNamespace(name: string): Promise<void> {
  const kc = adminKubeConfig();
  const created = await kubeRequest(kc, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: RESTRICTED } });
  if (created.status === 201) return;
  if (created.status !== 409) throw new Error(`creating namespace ${name}: HTTP ${created.status} ${created.text}`);
  const patched = await kubeRequest(kc, 'PATCH', `/api/v1/namespaces/${name}`, { metadata: { labels: RESTRICTED } }, 'application/merge-patch+json');
  if (patched.status !== 200) throw new Error(`labelling namespace ${name}: HTTP ${patched.status} ${patched.text}`);
}

function podFromTemplate(deployment: any): ManifestObject {
  const template = deployment.spec.template;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { ...template.metadata, name: `${deployment.metadata.name}-template`, namespace: deployment.metadata.namespace },
    spec: template.spec,
  };
}

const synthesized = new Map<string, Synthesized>(EXAMPLES.map((e) => [e.name, synthesize(e.build)]));
const all = [...synthesized.values()].flatMap((s) => s.objects);

beforeAll(async () => {
  const namespaces = new Set(all.map((o) => o.metadata.namespace).filter((n): n is string => typeof n === 'string'));
  for (const ns of namespaces) await ensureRestrictedNamespace(ns);
  // Pod admission looks up the pod's ServiceAccount, so the examples' ServiceAccounts must exist.
  await apply(all.filter((o) => o.kind === 'ServiceAccount'));
});

test('the catalog lists every example file, and each writes one YAML file with its objects', () => {
  const files = fs.readdirSync(path.join(__dirname, '..', '..', 'examples'))
    .filter((f) => f.endsWith('.ts') && !['catalog.ts', 'synth-all.ts'].includes(f) && !f.startsWith('_'))
    .map((f) => f.replace(/\.ts$/, ''))
    .sort();
  expect(EXAMPLES.map((e) => e.name).sort()).toEqual(files);
  for (const [name, s] of synthesized) {
    expect({ name, files: s.files }).toEqual({ name, files: ['webhooks.k8s.yaml'] });
    expect(s.objects.length).toBeGreaterThan(0);
  }
});

test('synth-all (the `npx projen examples` task) writes every example and prints where each YAML file went', () => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'flux-webhooks-synth-all-'));
  try {
    const root = path.join(__dirname, '..', '..');
    const stdout = execFileSync(process.execPath, ['-r', 'ts-node/register/transpile-only', 'examples/synth-all.ts'], {
      cwd: root,
      env: { ...process.env, EXAMPLES_OUTDIR: outdir, TS_NODE_PROJECT: 'examples/tsconfig.json' },
      encoding: 'utf8',
    });
    for (const example of EXAMPLES) {
      const file = path.join(outdir, example.name, 'webhooks.k8s.yaml');
      expect(fs.readFileSync(file, 'utf8')).toContain('apiVersion:');
      expect(stdout).toContain(path.relative(root, file));
    }
    expect(stdout).toContain(`${EXAMPLES.length} examples`);
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
});

test('the examples cover the Flux guide: each exposure, and receivers of every asked-for provider', () => {
  const kinds = (name: string) => synthesized.get(name)!.objects.map((o) => o.kind);
  expect(kinds('load-balancer')).toEqual(expect.arrayContaining(['Service', 'Deployment', 'GitRepository']));
  expect(synthesized.get('load-balancer')!.objects.find((o) => o.kind === 'Service' && (o as any).spec.type === 'LoadBalancer')).toBeDefined();
  expect(kinds('ingress-cert-manager')).toEqual(expect.arrayContaining(['Ingress', 'NetworkPolicy']));
  const ingress: any = synthesized.get('ingress-cert-manager')!.objects.find((o) => o.kind === 'Ingress');
  expect(ingress.metadata.annotations['cert-manager.io/cluster-issuer']).toBe('letsencrypt');
  expect(ingress.spec.tls).toEqual([{ hosts: ['flux-webhook.example.com'], secretName: 'webhook-receiver-tls' }]);
  expect(kinds('http-route')).toEqual(expect.arrayContaining(['HTTPRoute', 'ReferenceGrant']));
  expect(kinds('flux-notification-controller')).toEqual(['GitRepository', 'Receiver', 'Ingress']);
  expect(kinds('github-package')).toEqual(expect.arrayContaining(['ImageRepository', 'OCIRepository']));
  // The bundled server reads its receivers from a ConfigMap: check each provider type made it in.
  const receiverTypes = [...synthesized.values()].flatMap((s) => s.objects)
    .flatMap((o: any) => (o.kind === 'Receiver' ? [o] : o.kind === 'ConfigMap' ? Object.values(o.data ?? {}).flatMap((y: any) => parseAllDocuments(y).map((d) => d.toJS())) : []))
    .map((r: any) => r.spec.type);
  expect(new Set(receiverTypes)).toEqual(new Set(['github', 'gitlab', 'generic-hmac', 'gcr', 'harbor']));
});

test('the guide examples hold the whole guide in one app, the same receivers on either backend', () => {
  const receiversOf = (name: string) => synthesized.get(name)!.objects
    .flatMap((o: any) => (o.kind === 'Receiver' ? [o] : o.kind === 'ConfigMap' ? Object.values(o.data ?? {}).flatMap((y: any) => parseAllDocuments(y).map((d) => d.toJS())) : []))
    .map((r: any) => ({ name: r.metadata.name, events: r.spec.events, resources: r.spec.resources.map((t: any) => `${t.kind}/${t.name}`) }));
  const expected = [
    { name: 'github-receiver', events: ['ping', 'push'], resources: ['GitRepository/webapp'] },
    { name: 'ghcr-receiver', events: ['ping', 'package'], resources: ['ImageRepository/webapp', 'OCIRepository/webapp-manifests'] },
  ];
  for (const name of ['guide-webhook-receiver', 'guide-flux-receivers']) {
    const objects = synthesized.get(name)!.objects;
    const ids = objects.map((o) => `${o.kind}/${o.metadata.name}`);
    expect({ name, ids }).toEqual({
      name,
      ids: expect.arrayContaining([
        'GitRepository/webapp', 'ImageRepository/webapp', 'OCIRepository/webapp-manifests', 'Service/receiver', 'NetworkPolicy/allow-webhook-load-balancer',
        'Ingress/webhook-receiver', 'NetworkPolicy/allow-acme-solver', 'HTTPRoute/flux-webhook',
      ]),
    });
    expect(receiversOf(name)).toEqual(expected);
    const ingress: any = objects.find((o) => o.kind === 'Ingress');
    expect(ingress.spec.tls).toEqual([{ hosts: ['flux-webhook.example.com'], secretName: 'webhook-receiver-tls' }]);
  }
  // The Flux backend routes to Flux's own Service and pods; the bundled one to its own.
  const backendOf = (name: string) => {
    const objects: any[] = synthesized.get(name)!.objects;
    const lb = objects.find((o) => o.kind === 'Service' && o.metadata.name === 'receiver');
    return { selector: lb.spec.selector, ingressService: objects.find((o) => o.kind === 'Ingress').spec.rules[0].http.paths[0].backend.service.name };
  };
  expect(backendOf('guide-flux-receivers')).toEqual({ selector: { app: 'notification-controller' }, ingressService: 'webhook-receiver' });
  expect(backendOf('guide-webhook-receiver')).toEqual({
    selector: { 'app.kubernetes.io/name': 'flux-webhook-receiver', 'app.kubernetes.io/instance': 'flux-webhook-receiver' }, ingressService: 'flux-webhook-receiver',
  });
});

test('a pod without a restricted security context is rejected in these namespaces (the Pod Security check below can fail)', async () => {
  const pod: ManifestObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'unhardened', namespace: 'flux-system' },
    spec: { containers: [{ name: 'c', image: 'busybox' }] },
  };
  const error = await dryRunApply([pod]).catch((e) => e);
  expect(error).toBeInstanceOf(ManifestRejected);
  expect(error.message).toMatch(/violates PodSecurity "restricted/);
});

describe.each(EXAMPLES.map((e) => [e.name]))('example %s', (name) => {
  const objects = synthesized.get(name)!.objects;

  test('every object passes a strict server-side dry run', async () => {
    expect(await dryRunApply(objects)).toEqual(manifestIds(objects));
  });

  const deployments = objects.filter((o) => o.kind === 'Deployment');
  if (deployments.length > 0) {
    test('the pod of every Deployment passes Pod Security "restricted"', async () => {
      const pods = deployments.map(podFromTemplate);
      expect(await dryRunApply(pods)).toEqual(manifestIds(pods));
    });
  }
});
