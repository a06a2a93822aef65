// The bundled executable (assets/receiver-server/server.cjs) as a process: command line, exit
// codes, serving from files with a kubeconfig, and PID-1 style SIGTERM draining.
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { stringify } from 'yaml';
import { createGitRepositories, receiver, requestedAt } from './receiver-fixture';
import { hookPath, SERVER_FLAGS } from '../../src/model';
import { freePort } from '../harness/apiserver';
import { adminKubeConfig, adminKubeconfigPath, apply, createTestNamespace, eventually, kubeRequest } from '../harness/kube';
import { buildServerBundle, SERVER_BUNDLE } from '../harness/server-bundle';


function get(url: string): Promise<number> {
  return new Promise((resolve) => {
    http.get(url, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    }).on('error', () => resolve(0));
  });
}

describe('bundled server', () => {
  beforeAll(() => {
    buildServerBundle();
  });

  test('--help documents every flag and its environment variable', () => {
    const out = spawnSync(process.execPath, [SERVER_BUNDLE, '--help'], { encoding: 'utf8' });
    expect(out.status).toBe(0);
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
  ])('bad command line %j exits 2 with a clear error', (args, message) => {
    const out = spawnSync(process.execPath, [SERVER_BUNDLE, ...args], { encoding: 'utf8', env: { PATH: process.env.PATH } });
    expect(out.status).toBe(2);
    expect(out.stderr).toMatch(message);
    expect(out.stderr).toContain('--help');
  });

  test('a --receivers location that does not exist stops the start with exit code 1 and names it', () => {
    const out = spawnSync(process.execPath, [SERVER_BUNDLE, 'serve', '--receivers', '/nonexistent/receivers', '--kubeconfig', adminKubeconfigPath(),
      '--listen', '127.0.0.1:0', '--metrics-listen', '127.0.0.1:0', '--health-listen', '127.0.0.1:0'], { encoding: 'utf8', env: { PATH: process.env.PATH } });
    expect(out.status).toBe(1);
    expect(out.stdout).toContain('cannot read receiver definitions from /nonexistent/receivers');
  });

  test('an environment variable sets a flag (a bad value names the variable)', () => {
    const out = spawnSync(process.execPath, [SERVER_BUNDLE, 'serve'], { encoding: 'utf8', env: { PATH: process.env.PATH, RECEIVER_RECEIVERS: '/x', RECEIVER_NO_CROSS_NAMESPACE_REFS: 'maybe' } });
    expect(out.status).toBe(2);
    expect(out.stderr).toContain('environment variable RECEIVER_NO_CROSS_NAMESPACE_REFS: "maybe" is not a boolean');
  });

  test('--watch-receivers serves a Receiver object and its Secret from the cluster', async () => {
    const ns = await createTestNamespace('bundle-cluster');
    await createGitRepositories(ns, [{ name: 'watched' }]);
    const admin = adminKubeConfig();
    const secret = await kubeRequest(admin, 'POST', `/api/v1/namespaces/${ns}/secrets`, { metadata: { name: 'tok' }, stringData: { token: 'cluster-token' } });
    expect(secret.status).toBe(201);
    await apply([receiver('watched', ns, { type: 'generic', secretRef: { name: 'tok' }, resources: [{ kind: 'GitRepository', name: 'watched' }] })]);
    const port = { webhook: await freePort(), health: await freePort() };
    const proc = spawn(process.execPath, [
      SERVER_BUNDLE, 'serve', '--watch-receivers', '--namespace', ns, '--kubeconfig', adminKubeconfigPath(),
      '--listen', `127.0.0.1:${port.webhook}`, '--health-listen', `127.0.0.1:${port.health}`, '--metrics-listen', `127.0.0.1:${port.health}`,
    ], { env: { PATH: process.env.PATH }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    proc.stdout!.on('data', (c) => (output += c));
    proc.stderr!.on('data', (c) => (output += c));
    try {
      const url = `http://127.0.0.1:${port.webhook}${hookPath('cluster-token', 'watched', ns)}`;
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
        throw new Error(`${(e as Error).message}\n${output}`);
      });
      expect(status).toBe(200);
      expect(await requestedAt(ns, 'watched')).toBeDefined();
      const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
      proc.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (proc.exitCode === null) proc.kill('SIGKILL');
    }
  });

  describe('serving', () => {
    let ns: string;
    let dir: string;
    let child: ChildProcess;
    let ports: { webhook: number; metrics: number; health: number };
    let stdout = '';

    beforeAll(async () => {
      ns = await createTestNamespace('bundle');
      await createGitRepositories(ns, [{ name: 'app' }]);
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bundle-'));
      fs.mkdirSync(path.join(dir, 'secrets', 'tok'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'secrets', 'tok', 'token'), 'bundle-token');
      fs.writeFileSync(path.join(dir, 'receivers.yaml'), stringify(receiver('app', ns, { type: 'generic', secretRef: { name: 'tok' }, resources: [{ kind: 'GitRepository', name: 'app' }] })));
      ports = { webhook: await freePort(), metrics: await freePort(), health: await freePort() };
      child = spawn(process.execPath, [
        SERVER_BUNDLE, 'serve',
        '--listen', `127.0.0.1:${ports.webhook}`,
        '--metrics-listen', `127.0.0.1:${ports.metrics}`,
        `--health-listen=127.0.0.1:${ports.health}`,
        '--receivers', path.join(dir, 'receivers.yaml'),
        '--secrets-dir', path.join(dir, 'secrets'),
      ], { env: { PATH: process.env.PATH, KUBECONFIG: adminKubeconfigPath() }, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout!.on('data', (c) => (stdout += c));
      child.stderr!.on('data', (c) => (stdout += c));
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline && (await get(`http://127.0.0.1:${ports.health}/readyz`)) !== 200) await new Promise((r) => setTimeout(r, 50));
    });

    afterAll(() => {
      if (child.exitCode === null) child.kill('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    });

    test('SIGTERM: stops accepting, finishes the request in flight, exits 0', async () => {
      expect(await get(`http://127.0.0.1:${ports.health}/readyz`)).toBe(200);
      const body = 'null      ';
      let refusedAfterSigterm = false;
      // A slow client: headers and half the body now, the rest after SIGTERM.
      const response = new Promise<number>((resolve, reject) => {
        const req = http.request(`http://127.0.0.1:${ports.webhook}${hookPath('bundle-token', 'app', ns)}`, {
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
          child.kill('SIGTERM');
          setTimeout(() => {
            // No new connections once draining started.
            void get(`http://127.0.0.1:${ports.webhook}/hook/x`).then((status) => {
              refusedAfterSigterm = status === 0;
              req.end(body.slice(5));
            });
          }, 400);
        }, 300);
      });
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      expect(await response).toBe(200);
      expect(refusedAfterSigterm).toBe(true);
      expect(await exited).toBe(0);
      expect(await requestedAt(ns, 'app')).toBeDefined();
      const lines = stdout.trim().split('\n').map((l) => JSON.parse(l));
      expect(lines).toEqual(expect.arrayContaining([
        expect.objectContaining({ msg: 'shutting down: no new connections, draining requests in flight', inflight: 1 }),
        expect.objectContaining({ msg: 'webhook handled', receiver: `${ns}/app`, status: 200 }),
        expect.objectContaining({ msg: 'shut down', drained: true }),
      ]));
      expect(stdout).not.toContain('bundle-token');
    });
  });
});
