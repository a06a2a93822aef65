// Cluster mode against the harness's real kube-apiserver: Receivers and Secrets are watched,
// paths follow the Secret, and status is written the way notification-controller writes it.
import * as net from 'net';
import {
  createReceiver, deleteSecret, getReceiver, patchReceiver, putSecret, readyCondition, receiverManifest, startSource, type RunningSource,
} from './_cluster-fixtures';
import { ClusterReceiverSource } from '../../../../server/receivers/cluster/cluster-receiver-source';
import { hookPath } from '../../../../src/model';
import { adminKubeConfig, createTestNamespace, eventually, kubeConfigForToken, kubeRequest, serviceAccountToken } from '../../../harness/kube';


describe('ClusterReceiverSource (namespace mode, statusWrites auto)', () => {
  let ns: string;
  let running: RunningSource;

  beforeAll(async () => {
    ns = await createTestNamespace('cluster-src');
    running = await startSource({ namespace: ns });
  });
  afterAll(async () => {
    await running?.source.stop();
  });

  test('a Receiver with its Secret is served ready and gets Flux\'s Ready status', async () => {
    await putSecret(ns, 'ready-token', { token: 'my-token' });
    const created = await createReceiver(ns, receiverManifest('ready'));
    const expectedPath = hookPath('my-token', 'ready', ns);

    const served = await running.until('ready receiver served', (rs) => rs.find((r) => r.key === `${ns}/ready` && r.ready));
    expect(served.webhookPath).toBe(expectedPath);
    expect(served.secret?.token?.toString()).toBe('my-token');
    expect(served.origin).toBe('cluster');
    expect(served.object.spec.resources[0].name).toBe('webapp');

    const obj = await eventually('Ready status', async () => {
      const o = await getReceiver(ns, 'ready');
      return readyCondition(o)?.status === 'True' ? o : undefined;
    });
    expect(readyCondition(obj)).toMatchObject({ reason: 'Succeeded', message: `Receiver initialized for path: ${expectedPath}`, observedGeneration: created.metadata.generation });
    expect(obj.status.webhookPath).toBe(expectedPath);
    expect(obj.status.observedGeneration).toBe(created.metadata.generation);
    expect(obj.status.conditions.map((c: any) => c.type)).toEqual(['Ready']);
    // Written through the status subresource under our field manager; no finalizer added.
    expect(obj.metadata.managedFields.some((f: any) => f.manager === 'flux-webhook-receiver' && f.subresource === 'status')).toBe(true);
    expect(obj.metadata.finalizers).toBeUndefined();

  });

  test('no write loop: re-evaluations after the status write leave the object alone', async () => {
    await putSecret(ns, 'stable-token', { token: 't' });
    await createReceiver(ns, receiverManifest('stable'));
    const settled = await eventually('stable ready', async () => {
      const o = await getReceiver(ns, 'stable');
      return readyCondition(o)?.status === 'True' ? o : undefined;
    });
    // Touch the Secret without changing the token: a full re-evaluation runs.
    const before = running.emissions();
    const kc = adminKubeConfig();
    const labelled = await kubeRequest(kc, 'PATCH', `/api/v1/namespaces/${ns}/secrets/stable-token`, { metadata: { labels: { touched: 'yes' } } }, 'application/merge-patch+json');
    expect(labelled.status).toBe(200);
    await running.until('re-evaluation after the Secret change', () => (running.emissions() > before ? true : undefined));
    await running.source.writesSettled();
    const after = await getReceiver(ns, 'stable');
    expect(after.metadata.resourceVersion).toBe(settled.metadata.resourceVersion);
  });

  test('missing Secret → TokenNotFound and no path; created later → ready; rotated → new path; deleted → path cleared', async () => {
    const created = await createReceiver(ns, receiverManifest('late', { interval: '1h' }, { annotations: { 'reconcile.fluxcd.io/requestedAt': 'req-1' } }));
    const notFound = await eventually('TokenNotFound status', async () => {
      const o = await getReceiver(ns, 'late');
      return readyCondition(o)?.reason === 'TokenNotFound' ? o : undefined;
    });
    expect(readyCondition(notFound)).toMatchObject({
      status: 'False',
      message: `unable to read token from secret '${ns}/late-token' error: secrets "late-token" not found`,
    });
    expect(notFound.status.conditions.find((c: any) => c.type === 'Reconciling')).toMatchObject({ status: 'True', reason: 'ProgressingWithRetry' });
    expect(notFound.status.webhookPath).toBeUndefined();
    expect(notFound.status.observedGeneration).toBe(-1);
    expect(notFound.status.lastHandledReconcileAt).toBe('req-1');
    const servedMissing = running.served(`${ns}/late`);
    expect(servedMissing?.ready).toBe(false);
    expect(servedMissing?.webhookPath).toBeUndefined();
    expect(servedMissing?.notReadyReason).toMatch(/^TokenNotFound: unable to read token/);

    await putSecret(ns, 'late-token', { token: 'first' });
    const first = await running.until('ready after Secret created', (rs) => rs.find((r) => r.key === `${ns}/late` && r.ready));
    expect(first.webhookPath).toBe(hookPath('first', 'late', ns));
    const readyObj = await eventually('Ready after Secret created', async () => {
      const o = await getReceiver(ns, 'late');
      return readyCondition(o)?.status === 'True' ? o : undefined;
    });
    expect(readyObj.status.observedGeneration).toBe(created.metadata.generation);
    expect(readyObj.status.conditions.some((c: any) => c.type === 'Reconciling')).toBe(false);

    await putSecret(ns, 'late-token', { token: 'second' });
    const rotated = hookPath('second', 'late', ns);
    await running.until('path rotated', (rs) => rs.find((r) => r.key === `${ns}/late` && r.webhookPath === rotated));
    await eventually('status path rotated', async () => ((await getReceiver(ns, 'late')).status.webhookPath === rotated ? true : undefined));

    await putSecret(ns, 'late-token', { other: 'no token key' });
    await eventually('missing token key reported', async () => {
      const o = await getReceiver(ns, 'late');
      return readyCondition(o)?.message === `invalid '${ns}/late-token' secret data: required fields 'token'` ? o : undefined;
    });

    await deleteSecret(ns, 'late-token');
    await running.until('path cleared', (rs) => rs.find((r) => r.key === `${ns}/late` && !r.ready && r.webhookPath === undefined));
    await eventually('status path cleared', async () => {
      const o = await getReceiver(ns, 'late');
      return o.status.webhookPath === undefined && /not found/.test(readyCondition(o)?.message) ? true : undefined;
    });
  });

  test('bad CEL in resourceFilter → Stalled InvalidCELExpression; fixing it recovers', async () => {
    await putSecret(ns, 'cel-token', { token: 't' });
    const created = await createReceiver(ns, receiverManifest('cel', { resourceFilter: 'not-valid-cel ===' }));
    const stalled = await eventually('Stalled status', async () => {
      const o = await getReceiver(ns, 'cel');
      return o.status?.conditions?.some((c: any) => c.type === 'Stalled') ? o : undefined;
    });
    const prefix = 'Reconciliation failed terminally due to configuration error: invalid resourceFilter expression: ';
    for (const type of ['Ready', 'Stalled']) {
      const c = stalled.status.conditions.find((x: any) => x.type === type);
      expect(c.reason).toBe('InvalidCELExpression');
      expect(c.message.startsWith(prefix)).toBe(true);
      expect(c.message).toContain('not-valid-cel ===');
    }
    expect(readyCondition(stalled).status).toBe('False');
    expect(stalled.status.observedGeneration).toBe(created.metadata.generation);
    expect(stalled.status.conditions.some((c: any) => c.type === 'Reconciling')).toBe(false);
    const served = running.served(`${ns}/cel`);
    expect(served?.ready).toBe(false);
    expect(served?.notReadyReason).toMatch(/^InvalidCELExpression: /);

    const fixed = await patchReceiver(ns, 'cel', { spec: { resourceFilter: 'res.metadata.name == "webapp"' } });
    const recovered = await eventually('recovered', async () => {
      const o = await getReceiver(ns, 'cel');
      return readyCondition(o)?.status === 'True' ? o : undefined;
    });
    expect(recovered.status.conditions.map((c: any) => c.type)).toEqual(['Ready']);
    expect(recovered.status.observedGeneration).toBe(fixed.metadata.generation);
  });

  test('bad CEL in resources[i].filter names the entry', async () => {
    await putSecret(ns, 'rf-token', { token: 't' });
    await createReceiver(ns, receiverManifest('rf', { resources: [{ kind: 'GitRepository', name: 'webapp' }, { kind: 'Kustomization', name: 'apps', apiVersion: 'kustomize.toolkit.fluxcd.io/v1', filter: 'res.metadata.name ==' }] }));
    const stalled = await eventually('Stalled status', async () => {
      const o = await getReceiver(ns, 'rf');
      return o.status?.conditions?.find((c: any) => c.type === 'Stalled');
    });
    expect(stalled.reason).toBe('InvalidCELExpression');
    expect(stalled.message).toMatch(/^Reconciliation failed terminally due to configuration error: invalid filter expression for resources\[1\] \(kind="Kustomization", name="apps"\): /);
  });

  test('generic-oidc provider structure the CRD lets through → ValidationFailed', async () => {
    await createReceiver(ns, receiverManifest('oidc', {
      type: 'generic-oidc',
      secretRef: undefined,
      oidcProviders: [{ issuerURL: 'https://token.actions.githubusercontent.com', validations: [{ expression: 'claims.sub == "x"', message: '' }] }],
    }));
    const stalled = await eventually('Stalled status', async () => {
      const o = await getReceiver(ns, 'oidc');
      return o.status?.conditions?.find((c: any) => c.type === 'Stalled');
    });
    expect(stalled.reason).toBe('ValidationFailed');
    expect(stalled.message).toMatch(/^Reconciliation failed terminally due to configuration error: oidcProviders\[0\] .*validations\[0\]/);
  });

  test('a valid generic-oidc receiver is served on the empty-token path without any Secret', async () => {
    await createReceiver(ns, receiverManifest('oidc-ok', {
      type: 'generic-oidc',
      secretRef: undefined,
      oidcProviders: [{ issuerURL: 'https://token.actions.githubusercontent.com', validations: [{ expression: 'claims.sub == "x"', message: 'wrong sub' }] }],
    }));
    const served = await running.until('oidc served', (rs) => rs.find((r) => r.key === `${ns}/oidc-ok` && r.ready));
    expect(served.webhookPath).toBe(hookPath('', 'oidc-ok', ns));
    expect(served.secret).toBeUndefined();
  });

  test('suspended receivers are served as not ready and their status is left alone', async () => {
    await putSecret(ns, 'sus-token', { token: 't' });
    await createReceiver(ns, receiverManifest('sus'));
    const ready = await eventually('ready first', async () => {
      const o = await getReceiver(ns, 'sus');
      return readyCondition(o)?.status === 'True' ? o : undefined;
    });
    await patchReceiver(ns, 'sus', { spec: { suspend: true } });
    const served = await running.until('suspended', (rs) => rs.find((r) => r.key === `${ns}/sus` && r.object.spec.suspend === true));
    expect(served.ready).toBe(false);
    expect(served.webhookPath).toBe(hookPath('t', 'sus', ns));
    expect(served.notReadyReason).toMatch(/^Suspended/);
    // A Secret change neither moves the path (Flux serves the one in status) nor makes us write
    // the status of a suspended receiver.
    await putSecret(ns, 'sus-token', { token: 'rotated' });
    await running.until('Secret change seen', (rs) => rs.find((r) => r.key === `${ns}/sus` && r.secret?.token?.toString() === 'rotated'));
    expect(running.served(`${ns}/sus`)?.webhookPath).toBe(hookPath('t', 'sus', ns));
    await running.source.writesSettled();
    const after = await getReceiver(ns, 'sus');
    expect(after.status).toEqual(ready.status);
  });

  test('coexistence: a Receiver carrying Flux\'s finalizer is served but its status is never written', async () => {
    await putSecret(ns, 'flux-owned-token', { token: 't' });
    await createReceiver(ns, receiverManifest('flux-owned', {}, { finalizers: ['finalizers.fluxcd.io'] }));
    const served = await running.until('flux-owned served', (rs) => rs.find((r) => r.key === `${ns}/flux-owned` && r.ready));
    expect(served.webhookPath).toBe(hookPath('t', 'flux-owned', ns));
    await putSecret(ns, 'flux-owned-token', { token: 'rotated' });
    await running.until('rotation seen', (rs) => rs.find((r) => r.key === `${ns}/flux-owned` && r.webhookPath === hookPath('rotated', 'flux-owned', ns)));
    await running.source.writesSettled();
    const obj = await getReceiver(ns, 'flux-owned');
    expect(obj.status).toEqual({ observedGeneration: -1 });
    expect(obj.metadata.managedFields.some((f: any) => f.manager === 'flux-webhook-receiver')).toBe(false);
    // Let the namespace be deleted later.
    await patchReceiver(ns, 'flux-owned', { metadata: { finalizers: null } });
  });

  test('a Receiver whose status notification-controller wrote is left alone too', async () => {
    await putSecret(ns, 'nc-token', { token: 't' });
    await createReceiver(ns, receiverManifest('nc'));
    await eventually('ours first', async () => (readyCondition(await getReceiver(ns, 'nc'))?.status === 'True' ? true : undefined));
    // notification-controller takes over: it writes the status under its own field manager.
    const foreign = { conditions: [{ type: 'Ready', status: 'False', reason: 'Foreign', message: 'written by notification-controller', lastTransitionTime: '2026-01-01T00:00:00Z', observedGeneration: 1 }] };
    const res = await kubeRequest(adminKubeConfig(), 'PATCH', `/apis/notification.toolkit.fluxcd.io/v1/namespaces/${ns}/receivers/nc/status?fieldManager=notification-controller`, { status: foreign }, 'application/merge-patch+json');
    expect(res.status).toBe(200);
    await putSecret(ns, 'nc-token', { token: 'rotated' });
    await running.until('rotation seen', (rs) => rs.find((r) => r.key === `${ns}/nc` && r.webhookPath === hookPath('rotated', 'nc', ns)));
    await running.source.writesSettled();
    expect(readyCondition(await getReceiver(ns, 'nc'))).toMatchObject({ reason: 'Foreign' });
  });

  test('namespace restriction: receivers in other namespaces are not served', async () => {
    const other = await createTestNamespace('cluster-other');
    await putSecret(other, 'elsewhere-token', { token: 't' });
    await createReceiver(other, receiverManifest('elsewhere'));
    await putSecret(ns, 'marker-token', { token: 't' });
    await createReceiver(ns, receiverManifest('marker'));
    await running.until('marker served', (rs) => rs.find((r) => r.key === `${ns}/marker`));
    expect(running.latest().every((r) => r.key.startsWith(`${ns}/`))).toBe(true);
    const obj = await getReceiver(other, 'elsewhere');
    expect(obj.status).toEqual({ observedGeneration: -1 });
  });

  test('deleted receivers disappear from the served set', async () => {
    await putSecret(ns, 'gone-token', { token: 't' });
    await createReceiver(ns, receiverManifest('gone'));
    await running.until('served', (rs) => rs.find((r) => r.key === `${ns}/gone`));
    const res = await kubeRequest(adminKubeConfig(), 'DELETE', `/apis/notification.toolkit.fluxcd.io/v1/namespaces/${ns}/receivers/gone`);
    expect(res.status).toBe(200);
    await running.until('removed', (rs) => (rs.some((r) => r.key === `${ns}/gone`) ? undefined : true));
  });

  test('logs report transitions but never a hook path or a token', async () => {
    await createReceiver(ns, receiverManifest('logged'));
    await running.until('logged not ready', (rs) => rs.find((r) => r.key === `${ns}/logged` && !r.ready));
    await putSecret(ns, 'logged-token', { token: 'logged-secret-value' });
    await running.until('logged ready', (rs) => rs.find((r) => r.key === `${ns}/logged` && r.ready));
    const lines = running.logger.lines.filter((l) => l.fields?.receiver === `${ns}/logged` && l.level !== 'debug');
    expect(lines.map((l) => l.msg)).toEqual(['receiver not ready', 'receiver ready']);
    expect(String(lines[0].fields?.reason)).toMatch(/^TokenNotFound: /);
    const everything = JSON.stringify(running.logger.lines);
    expect(everything).not.toContain('/hook/');
    expect(everything).not.toContain('logged-secret-value');
  });
});

describe('ClusterReceiverSource (all namespaces, statusWrites never)', () => {
  test('serves receivers of every namespace and writes nothing', async () => {
    const a = await createTestNamespace('cluster-all-a');
    const b = await createTestNamespace('cluster-all-b');
    await putSecret(a, 'one-token', { token: 'x' });
    await createReceiver(a, receiverManifest('one'));
    await createReceiver(b, receiverManifest('two'));
    const running = await startSource({ statusWrites: 'never' });
    try {
      const one = await running.until('a/one', (rs) => rs.find((r) => r.key === `${a}/one`));
      const two = await running.until('b/two', (rs) => rs.find((r) => r.key === `${b}/two`));
      expect(one.ready).toBe(true);
      expect(one.webhookPath).toBe(hookPath('x', 'one', a));
      expect(two.ready).toBe(false);
      await running.source.writesSettled();
      expect((await getReceiver(a, 'one')).status).toEqual({ observedGeneration: -1 });
      expect((await getReceiver(b, 'two')).status).toEqual({ observedGeneration: -1 });
    } finally {
      await running.source.stop();
    }
  });
});

describe('ClusterReceiverSource when the connection to the API server breaks', () => {
  // A plain TCP relay in front of the real API server (TLS passes through untouched), so the
  // network between the receiver server and the API server can be cut and restored.
  function relay(target: URL) {
    const sockets = new Set<net.Socket>();
    let server: net.Server | undefined;
    const listen = (port = 0) => new Promise<number>((resolve, reject) => {
      server = net.createServer((client) => {
        const upstream = net.connect(Number(target.port), target.hostname);
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
          s.on('error', () => s.destroy());
        }
        client.pipe(upstream).pipe(client);
      });
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve((server!.address() as net.AddressInfo).port));
    });
    const cut = () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server!.close(() => resolve());
    });
    return { listen, cut };
  }

  test('serves the last known receivers while cut off, then catches up', async () => {
    const ns = await createTestNamespace('cluster-net');
    await putSecret(ns, 'before-token', { token: 'b' });
    await createReceiver(ns, receiverManifest('before'));
    const admin = adminKubeConfig();
    const target = new URL(admin.getCurrentCluster()!.server);
    const proxy = relay(target);
    const port = await proxy.listen();
    const kc = adminKubeConfig();
    const cluster = kc.getCurrentCluster()!;
    kc.clusters = kc.clusters.map((c) => (c.name === cluster.name ? { ...c, server: `https://127.0.0.1:${port}` } : c));

    const running = await startSource({ kubeConfig: kc, namespace: ns });
    try {
      await running.until('before served', (rs) => rs.find((r) => r.key === `${ns}/before` && r.ready));
      await proxy.cut();
      await eventually('watch failure reported', async () => running.source.lastError);
      expect(running.logger.lines.some((l) => l.level === 'error' && /^watch failed/.test(l.msg))).toBe(true);
      expect(running.served(`${ns}/before`)?.ready).toBe(true);

      // Changes made while cut off arrive after the connection is back.
      await putSecret(ns, 'after-token', { token: 'a' });
      await createReceiver(ns, receiverManifest('after'));
      await proxy.listen(port);
      const after = await running.until('after served', (rs) => rs.find((r) => r.key === `${ns}/after` && r.ready), 60_000);
      expect(after.webhookPath).toBe(hookPath('a', 'after', ns));
      await eventually('recovered', async () => (running.source.lastError === undefined ? true : undefined), 60_000);
      expect(running.logger.lines.some((l) => l.msg === 'watch recovered')).toBe(true);
      expect(running.served(`${ns}/before`)?.ready).toBe(true);
    } finally {
      await running.source.stop();
      await proxy.cut();
    }
  });
});

describe('ClusterReceiverSource (statusWrites always)', () => {
  test('writes the status of Receivers notification-controller manages too', async () => {
    const ns = await createTestNamespace('cluster-always');
    await putSecret(ns, 'owned-token', { token: 'o' });
    await createReceiver(ns, receiverManifest('owned', {}, { finalizers: ['finalizers.fluxcd.io'] }));
    const running = await startSource({ namespace: ns, statusWrites: 'always' });
    try {
      const obj = await eventually('status written', async () => {
        const o = await getReceiver(ns, 'owned');
        return readyCondition(o)?.status === 'True' ? o : undefined;
      });
      expect(obj.status.webhookPath).toBe(hookPath('o', 'owned', ns));
      expect(obj.metadata.finalizers).toEqual(['finalizers.fluxcd.io']);
    } finally {
      await running.source.stop();
      await patchReceiver(ns, 'owned', { metadata: { finalizers: null } });
    }
  });
});

describe('ClusterReceiverSource with a ServiceAccount (RBAC)', () => {
  let ns: string;
  const admin = () => adminKubeConfig();

  async function serviceAccountWith(name: string, rules: object[]): Promise<string> {
    const kc = admin();
    for (const [path, body] of [
      [`/api/v1/namespaces/${ns}/serviceaccounts`, { metadata: { name } }],
      [`/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles`, { metadata: { name }, rules }],
      [`/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings`, {
        metadata: { name },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
        subjects: [{ kind: 'ServiceAccount', name, namespace: ns }],
      }],
    ] as [string, object][]) {
      const res = await kubeRequest(kc, 'POST', path, body);
      if (res.status !== 201) throw new Error(`${path}: HTTP ${res.status} ${res.text}`);
    }
    return serviceAccountToken(ns, name);
  }

  const receiverRead = { apiGroups: ['notification.toolkit.fluxcd.io'], resources: ['receivers'], verbs: ['get', 'list', 'watch'] };
  const statusPatch = { apiGroups: ['notification.toolkit.fluxcd.io'], resources: ['receivers/status'], verbs: ['patch'] };
  const secretRead = { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch'] };

  beforeAll(async () => {
    ns = await createTestNamespace('cluster-rbac');
    await putSecret(ns, 'rbac-token', { token: 'sa' });
    await createReceiver(ns, receiverManifest('rbac'));
  });

  test('exactly the documented permissions are enough to serve and write status', async () => {
    const token = await serviceAccountWith('receiver-server', [receiverRead, secretRead, statusPatch]);
    const running = await startSource({ kubeConfig: kubeConfigForToken(token), namespace: ns });
    try {
      const served = await running.until('served', (rs) => rs.find((r) => r.key === `${ns}/rbac` && r.ready));
      expect(served.webhookPath).toBe(hookPath('sa', 'rbac', ns));
      const obj = await eventually('status written by the ServiceAccount', async () => {
        const o = await getReceiver(ns, 'rbac');
        return readyCondition(o)?.status === 'True' ? o : undefined;
      });
      expect(obj.status.webhookPath).toBe(served.webhookPath);
      expect(running.logger.lines.filter((l) => l.level === 'error')).toEqual([]);
    } finally {
      await running.source.stop();
    }
  });

  test('without Secret read permission, start fails with a clear error', async () => {
    const token = await serviceAccountWith('no-secrets', [receiverRead, statusPatch]);
    const source = new ClusterReceiverSource({ kubeConfig: kubeConfigForToken(token), namespace: ns, statusWrites: 'auto' });
    const error: Error = await source.start(() => undefined).then(() => undefined, (e) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toContain(`cannot list/watch secrets in namespace ${ns}`);
    expect(error.message).toContain('HTTP 403');
    expect(error.message).toContain(`system:serviceaccount:${ns}:no-secrets`);
    expect(error.message).toMatch(/grant get, list and watch/);
    expect(error.message).toMatch(/docs\/server\.md/);
    expect(error.message).not.toMatch(/receivers\.notification/);
  });

  test('statusWrites never works without receivers/status permission', async () => {
    const token = await serviceAccountWith('read-only', [receiverRead, secretRead]);
    const running = await startSource({ kubeConfig: kubeConfigForToken(token), namespace: ns, statusWrites: 'never' });
    try {
      const served = await running.until('served', (rs) => rs.find((r) => r.key === `${ns}/rbac` && r.ready));
      expect(served.webhookPath).toBe(hookPath('sa', 'rbac', ns));
    } finally {
      await running.source.stop();
    }
  });

  test('without receivers/status permission the write failure is logged with a hint and retried at the next resync', async () => {
    await putSecret(ns, 'late-grant-token', { token: 'lg' });
    await createReceiver(ns, receiverManifest('late-grant'));
    const token = await serviceAccountWith('late-grant', [receiverRead, secretRead]);
    const running = await startSource({ kubeConfig: kubeConfigForToken(token), namespace: ns, resyncIntervalMs: 300 });
    try {
      const failure = await eventually('status write failure logged', async () => running.logger.lines.find((l) => l.msg.startsWith('cannot write receiver status')));
      expect(failure.level).toBe('error');
      expect(String(failure.fields?.error)).toMatch(/HTTP 403/);
      expect(String(failure.fields?.hint)).toMatch(/patch on receivers\/status/);
      // Nothing was written, but the receiver is served.
      expect(running.served(`${ns}/late-grant`)?.ready).toBe(true);
      expect((await getReceiver(ns, 'late-grant')).status).toEqual({ observedGeneration: -1 });

      const grant = await kubeRequest(admin(), 'PATCH', `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles/late-grant`,
        { rules: [receiverRead, secretRead, statusPatch] }, 'application/merge-patch+json');
      expect(grant.status).toBe(200);
      await eventually('status written after the grant', async () => (readyCondition(await getReceiver(ns, 'late-grant'))?.status === 'True' ? true : undefined));
    } finally {
      await running.source.stop();
    }
  });

  describe("secretReads 'get': a Role that may only get the named Secrets", () => {
    const namedSecretGet = { apiGroups: [''], resources: ['secrets'], resourceNames: ['named-token'], verbs: ['get'] };
    let token: string;

    beforeAll(async () => {
      await putSecret(ns, 'named-token', { token: 'n1' });
      await putSecret(ns, 'unnamed-token', { token: 'u1' });
      await createReceiver(ns, receiverManifest('named'));
      await createReceiver(ns, receiverManifest('unnamed'));
      token = await serviceAccountWith('named-secrets', [receiverRead, statusPatch, namedSecretGet]);
    });

    test('serves the receiver whose Secret is named; the other one is not ready with the API\'s 403', async () => {
      const running = await startSource({ kubeConfig: kubeConfigForToken(token), namespace: ns, statusWrites: 'never', secretReads: 'get' });
      try {
        // Ready from the first emission: start waits for the GETs.
        expect(running.served(`${ns}/named`)).toMatchObject({ ready: true, webhookPath: hookPath('n1', 'named', ns) });
        const unnamed = running.served(`${ns}/unnamed`);
        expect(unnamed?.ready).toBe(false);
        expect(unnamed?.webhookPath).toBeUndefined();
        expect(unnamed?.notReadyReason).toMatch(new RegExp(`^TokenNotFound: unable to read token from secret '${ns}/unnamed-token' error: secrets "unnamed-token" is forbidden`));
        const warning = running.logger.lines.find((l) => l.msg === 'cannot read a Secret a Receiver references');
        expect(String(warning?.fields?.hint)).toMatch(/grant get on this Secret/);
        // The watch mode's list of Secrets is exactly what this Role does not allow.
        const list = await kubeRequest(kubeConfigForToken(token), 'GET', `/api/v1/namespaces/${ns}/secrets`);
        expect(list.status).toBe(403);
      } finally {
        await running.source.stop();
      }
    });

    test('a rotated Secret applies within the refresh interval; a changed Receiver re-reads its Secret at once', async () => {
      const refreshMs = 1500;
      const running = await startSource({ kubeConfig: kubeConfigForToken(token), namespace: ns, statusWrites: 'never', secretReads: 'get', secretRefreshIntervalMs: refreshMs });
      try {
        expect(running.served(`${ns}/named`)?.webhookPath).toBe(hookPath('n1', 'named', ns));
        await putSecret(ns, 'named-token', { token: 'n2' });
        const rotatedAt = Date.now();
        await running.until('rotation picked up by the periodic read', (rs) => rs.find((r) => r.key === `${ns}/named` && r.webhookPath === hookPath('n2', 'named', ns)), 10_000);
        const took = Date.now() - rotatedAt;
        process.stdout.write(`secretReads get: rotated Secret served after ${took} ms (refresh interval ${refreshMs} ms)\n`);
        // At most one interval plus a GET and a pass (slack for the shared machine).
        expect(took).toBeLessThan(refreshMs + 1500);

        await deleteSecret(ns, 'named-token');
        await running.until('deleted Secret noticed', (rs) => rs.find((r) => r.key === `${ns}/named` && !r.ready && /not found/.test(r.notReadyReason ?? '')), 10_000);
      } finally {
        await running.source.stop();
        await putSecret(ns, 'named-token', { token: 'n1' });
      }

      const slow = await startSource({ kubeConfig: kubeConfigForToken(token), namespace: ns, statusWrites: 'never', secretReads: 'get', secretRefreshIntervalMs: 600_000 });
      try {
        await putSecret(ns, 'named-token', { token: 'n3' });
        await patchReceiver(ns, 'named', { metadata: { annotations: { 'reconcile.fluxcd.io/requestedAt': 'rotate' } } });
        await slow.until('re-read on the Receiver change', (rs) => rs.find((r) => r.key === `${ns}/named` && r.webhookPath === hookPath('n3', 'named', ns)), 5_000);
      } finally {
        await slow.source.stop();
      }
    });
  });

  test('an invalid statusWrites value is rejected', () => {
    expect(() => new ClusterReceiverSource({ kubeConfig: admin(), statusWrites: 'sometimes' as never })).toThrow(/statusWrites must be 'auto', 'always' or 'never', got 'sometimes'/);
  });
});
