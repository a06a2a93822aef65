// Proves the harness talks to a real kube-apiserver: CRDs installed, merge patches through
// @kubernetes/client-node, strict server-side validation, RBAC on.
import { CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import {
  adminKubeConfig, createTestNamespace, dryRunApply, kubeConfigForToken, kubeRequest, ManifestRejected, serviceAccountToken, manifestIds,
} from '../harness/kube';

const gitRepository = (name: string) => ({
  apiVersion: 'source.toolkit.fluxcd.io/v1',
  kind: 'GitRepository',
  metadata: { name },
  spec: { url: 'https://github.com/org/webapp', interval: '1h', ref: { branch: 'main' } },
});

describe('test apiserver', () => {
  let ns: string;
  beforeAll(async () => {
    ns = await createTestNamespace('harness');
  });

  test('serves every Flux and Gateway API kind the library targets', async () => {
    const kc = adminKubeConfig();
    const groups = await kubeRequest(kc, 'GET', '/apis');
    const names = groups.body.groups.map((g: { name: string }) => g.name);
    expect(names).toEqual(expect.arrayContaining([
      'source.toolkit.fluxcd.io', 'image.toolkit.fluxcd.io', 'kustomize.toolkit.fluxcd.io', 'helm.toolkit.fluxcd.io',
      'notification.toolkit.fluxcd.io', 'source.extensions.fluxcd.io', 'gateway.networking.k8s.io',
    ]));
  });

  test('a GitRepository is annotated with a JSON merge patch through client-node and reads back', async () => {
    const api = adminKubeConfig().makeApiClient(CustomObjectsApi);
    const target = { group: 'source.toolkit.fluxcd.io', version: 'v1', namespace: ns, plural: 'gitrepositories' };
    await api.createNamespacedCustomObject({ ...target, body: gitRepository('webapp') });
    const requestedAt = new Date().toISOString();
    await api.patchNamespacedCustomObject(
      { ...target, name: 'webapp', body: { metadata: { annotations: { 'reconcile.fluxcd.io/requestedAt': requestedAt } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    const read = await api.getNamespacedCustomObject({ ...target, name: 'webapp' });
    expect(read.metadata.annotations['reconcile.fluxcd.io/requestedAt']).toBe(requestedAt);
    expect(read.spec.url).toBe('https://github.com/org/webapp');
  });

  test('server-side dry run with strict validation accepts a valid manifest and persists nothing', async () => {
    expect(await dryRunApply([gitRepository('dry')], ns)).toEqual(manifestIds([gitRepository('dry')], ns));
    const res = await kubeRequest(adminKubeConfig(), 'GET', `/apis/source.toolkit.fluxcd.io/v1/namespaces/${ns}/gitrepositories/dry`);
    expect(res.status).toBe(404);
  });

  test('server-side dry run rejects an unknown field and names it', async () => {
    const bad = { ...gitRepository('bad'), spec: { ...gitRepository('bad').spec, branchh: 'main' } };
    const error = await dryRunApply([bad], ns).catch((e) => e);
    expect(error).toBeInstanceOf(ManifestRejected);
    expect(error.message).toMatch(/GitRepository\/bad/);
    expect(error.message).toMatch(/branchh/);
  });

  test('server-side dry run rejects a wrong type in a core object', async () => {
    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'svc' }, spec: { ports: [{ port: 'eighty' }] } };
    await expect(dryRunApply([svc], ns)).rejects.toThrow(/Service\/svc/);
  });

  test('RBAC is enforced: a fresh ServiceAccount token can do nothing', async () => {
    const kc = adminKubeConfig();
    const sa = await kubeRequest(kc, 'POST', `/api/v1/namespaces/${ns}/serviceaccounts`, { metadata: { name: 'nobody' } });
    expect(sa.status).toBe(201);
    const token = await serviceAccountToken(ns, 'nobody');
    const res = await kubeRequest(kubeConfigForToken(token), 'GET', `/apis/source.toolkit.fluxcd.io/v1/namespaces/${ns}/gitrepositories`);
    expect(res.status).toBe(403);
    expect(res.body.message).toContain(`system:serviceaccount:${ns}:nobody`);
  });
});
