// The kube client reuses its TLS connections to the real apiserver: many patches and lists open
// one connection, while credentials are still applied per call (a token swapped between calls is
// the one the apiserver sees, on the same connection).
import * as https from 'https';
import { KubeApiError, KubeClient, ObjectRef } from '../../../server/kube/kube-client';
import { RECONCILE_REQUESTED_AT_ANNOTATION } from '../../../src/model';
import { adminKubeConfig, createTestNamespace, kubeConfigForToken, serviceAccountWithRole } from '../../harness/kube';
import { createGitRepositories, requestedAt } from '../receiver-fixture';

const PATCHES = 12;

describe('kube client connections (real apiserver)', () => {
  let ns: string;
  let ref: ObjectRef;
  let connections: jest.SpyInstance;
  let patcherToken: string;

  beforeAll(async () => {
    ns = await createTestNamespace('kube-conn');
    await createGitRepositories(ns, [{ name: 'hot' }]);
    patcherToken = await serviceAccountWithRole(ns, 'patcher', [{ apiGroups: ['source.toolkit.fluxcd.io'], resources: ['gitrepositories'], verbs: ['get', 'list', 'patch'] }]);
    ref = { group: 'source.toolkit.fluxcd.io', version: 'v1', kind: 'GitRepository', plural: 'gitrepositories', namespace: ns, name: 'hot' };
  });

  beforeEach(() => {
    // Every TLS connection any https.Agent opens goes through createConnection.
    connections = jest.spyOn(https.Agent.prototype, 'createConnection');
  });

  afterEach(() => connections.mockRestore());

  test(`${PATCHES} patches and a list in sequence open one TLS connection`, async () => {
    const kube = new KubeClient(adminKubeConfig());
    try {
      for (let i = 0; i < PATCHES; i++) {
        await kube.patchAnnotations(ref, { [RECONCILE_REQUESTED_AT_ANNOTATION]: `keep-alive-${i}` });
      }
      const list = await kube.listMetadata(ref, ns);
      expect((list.items ?? []).map((i) => i.metadata.name)).toEqual(['hot']);
      expect(connections).toHaveBeenCalledTimes(1);
    } finally {
      kube.close();
    }
    expect(await requestedAt(ns, 'hot')).toBe(`keep-alive-${PATCHES - 1}`);
  });

  test('the token is applied per call on the shared connection: a swapped token is the one the apiserver judges', async () => {
    const kc = kubeConfigForToken(patcherToken);
    const user = kc.getCurrentUser() as { token?: string };
    const valid = user.token;
    const kube = new KubeClient(kc);
    try {
      await kube.patchAnnotations(ref, { [RECONCILE_REQUESTED_AT_ANNOTATION]: 'token-1' });
      user.token = 'not-a-valid-token';
      const rejected = await kube.patchAnnotations(ref, { [RECONCILE_REQUESTED_AT_ANNOTATION]: 'token-2' }).catch((e: unknown) => e);
      expect(rejected).toBeInstanceOf(KubeApiError);
      expect((rejected as KubeApiError).status).toBe(401);
      user.token = valid;
      await kube.patchAnnotations(ref, { [RECONCILE_REQUESTED_AT_ANNOTATION]: 'token-3' });
      expect(connections).toHaveBeenCalledTimes(1);
    } finally {
      kube.close();
    }
    expect(await requestedAt(ns, 'hot')).toBe('token-3');
  });

  test('after close() the client opens a new connection and still works', async () => {
    const kube = new KubeClient(adminKubeConfig());
    try {
      await kube.patchAnnotations(ref, { [RECONCILE_REQUESTED_AT_ANNOTATION]: 'before-close' });
      kube.close();
      await kube.patchAnnotations(ref, { [RECONCILE_REQUESTED_AT_ANNOTATION]: 'after-close' });
      expect(connections).toHaveBeenCalledTimes(2);
    } finally {
      kube.close();
    }
    expect(await requestedAt(ns, 'hot')).toBe('after-close');
  });
});
