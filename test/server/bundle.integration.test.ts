// The bundled executable (assets/receiver-server/server.cjs) as a process: command line, exit
// codes, serving from files with a kubeconfig, and PID-1 style SIGTERM draining.
import * as http from 'http';
import { createGitRepositories, receiver, requestedAt } from './receiver-fixture';
import { hookPath, SERVER_FLAGS } from '../../src/model';
import { adminKubeConfig, adminKubeconfigPath, apply, createTestNamespace, eventually, kubeRequest } from '../harness/kube';
import { BundleProcess, runBundle } from '../harness/server-process';


function get(url: string): Promise<number> {
  return new Promise((resolve) => {
    http.get(url, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    }).on('error', () => resolve(0));
  });
}

describe('bundled server', () => {
  test('--help documents every flag and its environment variable', async () => {
    const out = await runBundle(['--help']);
    expect(out.code).toBe(0);
    for (const def of Object.values(SERVER_FLAGS)) {
      expect(out.stdout).toContain(def.flag);
      expect(out.stdout).toContain(`env ${def.env}`);
    }
  });

  test.each([
    [['serve', '--receivers', '/x', '--bogus'], /unknown flag "--bogus"/],
    [['serve', '--receivers', '/x', '--listen', 'nope'], /--listen: "nope" is not a listen address/],
    [['serve'], /no receivers: set --receivers/],
    [['serve', '--receivers', '/x', '--log-level', 'loud'], /"loud" is not a log level/],
    [['frobnicate'], /unknown command "frobnicate"/],
  ])('bad command line %j exits 2 with a clear error', async (args, message) => {
    const out = await runBundle(args);
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(message);
    expect(out.stderr).toContain('--help');
  });

  test('a --receivers location that does not exist stops the start with exit code 1 and names it', async () => {
    const out = await runBundle(['serve', '--receivers', '/nonexistent/receivers', '--kubeconfig', adminKubeconfigPath(),
      '--listen', '127.0.0.1:0', '--metrics-listen', '127.0.0.1:0', '--health-listen', '127.0.0.1:0']);
    expect(out.code).toBe(1);
    expect(out.stdout).toContain('cannot read receiver definitions from /nonexistent/receivers');
  });

  test('an environment variable sets a flag (a bad value names the variable)', async () => {
    const out = await runBundle(['serve'], { RECEIVER_RECEIVERS: '/x', RECEIVER_NO_CROSS_NAMESPACE_REFS: 'maybe' });
    expect(out.code).toBe(2);
    expect(out.stderr).toContain('environment variable RECEIVER_NO_CROSS_NAMESPACE_REFS: "maybe" is not a boolean');
  });

  test('--watch-receivers serves a Receiver object and its Secret from the cluster', async () => {
    const ns = await createTestNamespace('bundle-cluster');
    await createGitRepositories(ns, [{ name: 'watched' }]);
    const admin = adminKubeConfig();
    const secret = await kubeRequest(admin, 'POST', `/api/v1/namespaces/${ns}/secrets`, { metadata: { name: 'tok' }, stringData: { token: 'cluster-token' } });
    expect(secret.status).toBe(201);
    await apply([receiver('watched', ns, { type: 'generic', secretRef: { name: 'tok' }, resources: [{ kind: 'GitRepository', name: 'watched' }] })]);
    const proc = await BundleProcess.serve({ args: ['--watch-receivers', '--namespace', ns, '--kubeconfig', adminKubeconfigPath()], waitUntilReady: false });
    try {
      const url = proc.url(hookPath('cluster-token', 'watched', ns));
      const status = await eventually('cluster receiver served', async () => {
        const res = await new Promise<number>((resolve) => {
          const req = http.request(url, { method: 'POST' }, (r) => {
            r.resume();
            r.on('end', () => resolve(r.statusCode ?? 0));
          });
          req.on('error', () => resolve(0));
          req.end();
        });
        return res === 200 ? res : undefined;
      }, 20_000).catch((e) => {
        throw new Error(`${(e as Error).message}\n${proc.output}`);
      });
      expect(status).toBe(200);
      expect(await requestedAt(ns, 'watched')).toBeDefined();
      expect(await proc.terminate()).toBe(0);
    } finally {
      await proc.stop();
    }
  });

  describe('serving', () => {
    let ns: string;
    let server: BundleProcess;

    beforeAll(async () => {
      ns = await createTestNamespace('bundle');
      await createGitRepositories(ns, [{ name: 'app' }]);
      server = await BundleProcess.start({
        receivers: [receiver('app', ns, { type: 'generic', secretRef: { name: 'tok' }, resources: [{ kind: 'GitRepository', name: 'app' }] })],
        tokens: { tok: 'bundle-token' },
      });
    });

    afterAll(async () => {
      await server.stop();
    });

    test('SIGTERM: stops accepting, finishes the request in flight, exits 0', async () => {
      expect(await get(`http://127.0.0.1:${server.ports.health}/readyz`)).toBe(200);
      const body = 'null      ';
      let refusedAfterSigterm = false;
      // A slow client: headers and half the body now, the rest after SIGTERM.
      const response = new Promise<number>((resolve, reject) => {
        const req = http.request(server.url(hookPath('bundle-token', 'app', ns)), {
          method: 'POST',
          headers: { 'Content-Length': String(body.length), 'Content-Type': 'application/json' },
          agent: false,
        }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', reject);
        req.write(body.slice(0, 5));
        setTimeout(() => {
          server.child.kill('SIGTERM');
          setTimeout(() => {
            // No new connections once draining started.
            void get(server.url('/hook/x')).then((status) => {
              refusedAfterSigterm = status === 0;
              req.end(body.slice(5));
            });
          }, 400);
        }, 300);
      });
      expect(await response).toBe(200);
      expect(refusedAfterSigterm).toBe(true);
      expect(await server.exited).toBe(0);
      expect(await requestedAt(ns, 'app')).toBeDefined();
      const lines = server.output.trim().split('\n').map((l) => JSON.parse(l));
      expect(lines).toEqual(expect.arrayContaining([
        expect.objectContaining({ msg: 'shutting down: no new connections, draining requests in flight', inflight: 1 }),
        expect.objectContaining({ msg: 'webhook handled', receiver: `${ns}/app`, status: 200 }),
        expect.objectContaining({ msg: 'shut down', drained: true }),
      ]));
      expect(server.output).not.toContain('bundle-token');
    });
  });
});
