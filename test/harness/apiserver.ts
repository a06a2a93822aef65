// Starts a real etcd + kube-apiserver on loopback for tests, the way envtest does for Go
// controllers: RBAC on, a service-account issuer, the Flux and Gateway API CRDs installed.
import { ChildProcess, execFileSync, spawn } from 'child_process';
import { generateKeyPairSync, randomBytes } from 'crypto';
import * as fs from 'fs';
import * as https from 'https';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** The vendored `crds/` of the repository, unless `FLUX_WEBHOOKS_CRD_DIR` says otherwise. */
export function crdDirectory(): string {
  return process.env.FLUX_WEBHOOKS_CRD_DIR ?? path.resolve(REPO_ROOT, 'crds');
}

export interface StartOptions {
  /** Directory of CRD YAML files to install; files starting with `legacy-` are skipped. */
  readonly crdDir?: string;
  /** Where the process logs go. @default a file in the server's temporary directory */
  readonly logDir?: string;
  /**
   * kube-apiserver's watch cache. Without it watches are served from etcd, so a watch resumed
   * after an apiserver restart still gets every change since its resourceVersion (the cache of a
   * restarted apiserver starts at the current revision and answers 410 for older ones).
   * @default true
   */
  readonly watchCache?: boolean;
  /**
   * Address kube-apiserver listens on and advertises (the `kubernetes` Service's endpoint). A
   * cluster with pods needs one they can reach, which loopback is not.
   * @default '127.0.0.1'
   */
  readonly address?: string;
  /** @default '10.96.0.0/16' */
  readonly serviceClusterIpRange?: string;
  /**
   * Extra subject alternative names (IP addresses) of the serving certificate, e.g. the
   * `kubernetes` Service's ClusterIP.
   * @default none
   */
  readonly extraCertificateIps?: readonly string[];
  /**
   * The admission and authorization of a cluster with nodes: the ServiceAccount admission plugin
   * (pods get their token), NodeRestriction and the Node authorizer. Without nodes they are off,
   * so that pods can be created for dry-runs without ServiceAccounts.
   * @default false
   */
  readonly nodes?: boolean;
  /** More static bearer tokens, e.g. for the node's components. @default none */
  readonly extraTokens?: readonly StaticToken[];
}

export interface StaticToken {
  readonly token: string;
  readonly user: string;
  readonly groups?: readonly string[];
}

export interface TestApiServer {
  readonly url: string;
  /** Bearer token of a `system:masters` user. */
  readonly adminToken: string;
  /** PEM of the CA that signed the serving certificate. */
  readonly caPem: string;
  /** Admin kubeconfig file. */
  readonly kubeconfigPath: string;
  readonly workDir: string;
  readonly versions: { readonly kubernetes: string; readonly etcd: string };
  /** The kube-apiserver process alone (etcd keeps running), for outage tests. */
  readonly apiserverProcess: ApiServerProcess;
  stop(): Promise<void>;
}

export interface ApiServerProcess {
  readonly pid: number;
  /** Sends `signal` (e.g. SIGSTOP, SIGCONT) to kube-apiserver only. */
  signal(signal: NodeJS.Signals): void;
  /** SIGKILLs kube-apiserver and waits for it to exit. */
  kill(): Promise<void>;
  /** Starts kube-apiserver again with the same flags (port, etcd, certificates, token) and waits for /readyz. */
  restart(): Promise<void>;
}

/** Builds the binaries if they are not cached yet (see testbin/build.sh) and returns their directory. */
export function testbinDirectory(): string {
  if (process.env.TESTBIN_DIR) return process.env.TESTBIN_DIR;
  const out = execFileSync('bash', [path.join(__dirname, 'testbin', 'build.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  return out.trim().split('\n').pop()!;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

export function launch(binary: string, args: string[], logFile: string, env: NodeJS.ProcessEnv = process.env): ChildProcess {
  const log = fs.openSync(logFile, 'a');
  // setpriv --pdeathsig: the child dies with the process that started it, so a crashed or
  // killed test run leaves no stray etcd or apiserver behind.
  const child = spawn('setpriv', ['--pdeathsig', 'KILL', '--', binary, ...args], { stdio: ['ignore', log, log], env });
  fs.closeSync(log);
  return child;
}

export async function stopProcess(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

interface HttpResult {
  readonly status: number;
  readonly body: string;
}

function request(url: string, opts: { method?: string; token: string; ca: string; body?: unknown }): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const data = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    const req = https.request(url, {
      method: opts.method ?? 'GET',
      ca: opts.ca,
      headers: {
        Authorization: `Bearer ${opts.token}`,
        Accept: 'application/json',
        ...(data ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) } : {}),
      },
      timeout: 10_000,
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('timeout', () => req.destroy(new Error(`timeout: ${url}`)));
    req.on('error', reject);
    if (data) req.write(data);
    req.end();
  });
}

export async function waitUntil(what: string, timeoutMs: number, check: () => Promise<boolean>, died?: () => string | undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    const death = died?.();
    if (death) throw new Error(`${what}: ${death}`);
    try {
      if (await check()) return;
    } catch (e) {
      lastError = e;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${lastError}` : ''}`);
}

export function tail(file: string, lines = 30): string {
  try {
    return fs.readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

function writeServingCertificate(dir: string, extraIps: readonly string[]): { cert: string; key: string } {
  const cert = path.join(dir, 'apiserver.crt');
  const key = path.join(dir, 'apiserver.key');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '2',
    '-keyout', key, '-out', cert, '-subj', '/CN=test-apiserver',
    '-addext', `subjectAltName=${['IP:127.0.0.1', ...extraIps.map((ip) => `IP:${ip}`), 'DNS:localhost', 'DNS:kubernetes.default.svc'].join(',')}`,
    '-addext', 'basicConstraints=critical,CA:TRUE',
  ], { stdio: 'ignore' });
  return { cert, key };
}

export async function startTestApiServer(options: StartOptions = {}): Promise<TestApiServer> {
  const bin = testbinDirectory();
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flux-webhooks-apiserver-'));
  const logDir = options.logDir ?? workDir;
  const [etcdClientPort, etcdPeerPort, apiPort] = [await freePort(), await freePort(), await freePort()];
  const children: ChildProcess[] = [];

  const stop = async () => {
    for (const child of [...children].reverse()) await stopProcess(child);
    fs.rmSync(workDir, { recursive: true, force: true });
  };

  try {
    const etcdLog = path.join(logDir, 'etcd.log');
    const etcd = launch(path.join(bin, 'etcd'), [
      '--name', 'test', '--data-dir', path.join(workDir, 'etcd'),
      '--listen-client-urls', `http://127.0.0.1:${etcdClientPort}`,
      '--advertise-client-urls', `http://127.0.0.1:${etcdClientPort}`,
      '--listen-peer-urls', `http://127.0.0.1:${etcdPeerPort}`,
      '--initial-advertise-peer-urls', `http://127.0.0.1:${etcdPeerPort}`,
      '--initial-cluster', `test=http://127.0.0.1:${etcdPeerPort}`,
      '--unsafe-no-fsync', '--log-level', 'warn',
    ], etcdLog);
    children.push(etcd);

    const address = options.address ?? '127.0.0.1';
    const certs = writeServingCertificate(workDir, [...(address === '127.0.0.1' ? [] : [address]), ...(options.extraCertificateIps ?? [])]);
    const sa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const saKey = path.join(workDir, 'sa.key');
    const saPub = path.join(workDir, 'sa.pub');
    fs.writeFileSync(saKey, sa.privateKey.export({ type: 'pkcs8', format: 'pem' }));
    fs.writeFileSync(saPub, sa.publicKey.export({ type: 'spki', format: 'pem' }));
    const adminToken = randomBytes(24).toString('hex');
    const tokenFile = path.join(workDir, 'tokens.csv');
    const tokens: StaticToken[] = [{ token: adminToken, user: 'test-admin', groups: ['system:masters'] }, ...(options.extraTokens ?? [])];
    fs.writeFileSync(tokenFile, tokens.map((t) => `${t.token},${t.user},${t.user},"${(t.groups ?? []).join(',')}"\n`).join(''), { mode: 0o600 });

    const apiLog = path.join(logDir, 'kube-apiserver.log');
    const apiArgs = [
      '--etcd-servers', `http://127.0.0.1:${etcdClientPort}`,
      '--bind-address', address, '--advertise-address', address, '--secure-port', String(apiPort),
      '--tls-cert-file', certs.cert, '--tls-private-key-file', certs.key, '--cert-dir', path.join(workDir, 'certs'),
      '--authorization-mode', options.nodes ? 'Node,RBAC' : 'RBAC', '--token-auth-file', tokenFile,
      '--service-account-issuer', 'https://kubernetes.default.svc.cluster.local',
      '--service-account-key-file', saPub, '--service-account-signing-key-file', saKey,
      '--api-audiences', 'https://kubernetes.default.svc.cluster.local',
      '--service-cluster-ip-range', options.serviceClusterIpRange ?? '10.96.0.0/16',
      ...(options.nodes
        // Nodes are reached by address (logs, exec): their names resolve nowhere.
        ? ['--enable-admission-plugins', 'NodeRestriction', '--kubelet-preferred-address-types', 'InternalIP']
        : ['--disable-admission-plugins', 'ServiceAccount']),
      '--profiling=false', '--v', '1',
      ...(options.watchCache === false ? ['--watch-cache=false'] : []),
    ];
    let apiserver = launch(path.join(bin, 'kube-apiserver'), apiArgs, apiLog);
    children.push(apiserver);

    const caPem = fs.readFileSync(certs.cert, 'utf8');
    const url = `https://${address}:${apiPort}`;
    const died = () => {
      for (const [name, child, log] of [['etcd', etcd, etcdLog], ['kube-apiserver', apiserver, apiLog]] as const) {
        if (child.exitCode !== null) return `${name} exited with code ${child.exitCode}:\n${tail(log)}`;
      }
      return undefined;
    };
    const apiReady = () => waitUntil('kube-apiserver /readyz', 60_000, async () => (await request(`${url}/readyz`, { token: adminToken, ca: caPem })).status === 200, died);
    await apiReady();

    const versionInfo = JSON.parse((await request(`${url}/version`, { token: adminToken, ca: caPem })).body);
    const kubeconfigPath = path.join(workDir, 'kubeconfig');
    fs.writeFileSync(kubeconfigPath, kubeconfigYaml(url, caPem, adminToken), { mode: 0o600 });

    await installCrds(url, adminToken, caPem, options.crdDir ?? crdDirectory());

    const server: TestApiServer = {
      url,
      adminToken,
      caPem,
      kubeconfigPath,
      workDir,
      versions: { kubernetes: versionInfo.gitVersion, etcd: etcdVersion(bin) },
      apiserverProcess: {
        get pid() {
          return apiserver.pid!;
        },
        signal: (signal) => void apiserver.kill(signal),
        kill: async () => {
          if (apiserver.exitCode !== null || apiserver.signalCode !== null) return;
          const exited = new Promise<void>((resolve) => apiserver.once('exit', () => resolve()));
          apiserver.kill('SIGKILL');
          await exited;
        },
        restart: async () => {
          await server.apiserverProcess.kill();
          const next = launch(path.join(bin, 'kube-apiserver'), apiArgs, apiLog);
          children.splice(children.indexOf(apiserver), 1, next);
          apiserver = next;
          await apiReady();
        },
      },
      stop,
    };
    return server;
  } catch (e) {
    await stop();
    throw e;
  }
}

function etcdVersion(bin: string): string {
  const out = execFileSync(path.join(bin, 'etcd'), ['--version'], { encoding: 'utf8' });
  return /etcd Version: (\S+)/.exec(out)?.[1] ?? 'unknown';
}

export function kubeconfigYaml(server: string, caPem: string, token: string): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'test', cluster: { 'server': server, 'certificate-authority-data': Buffer.from(caPem).toString('base64') } }],
    users: [{ name: 'test', user: { token } }],
    contexts: [{ name: 'test', context: { cluster: 'test', user: 'test' } }],
    ['current-context']: 'test',
  }, null, 2);
}

/** Creates every CRD in `dir` and waits until each is Established. */
export async function installCrds(url: string, token: string, ca: string, dir: string): Promise<void> {
  if (!fs.existsSync(dir)) throw new Error(`CRD directory not found: ${dir} (set FLUX_WEBHOOKS_CRD_DIR)`);
  const files = fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f) && !f.startsWith('legacy-')).sort();
  const names: string[] = [];
  for (const file of files) {
    for (const doc of parseAllDocuments(fs.readFileSync(path.join(dir, file), 'utf8'))) {
      const crd = doc.toJS();
      if (crd?.kind !== 'CustomResourceDefinition') continue;
      const res = await request(`${url}/apis/apiextensions.k8s.io/v1/customresourcedefinitions`, { method: 'POST', token, ca, body: crd });
      if (res.status !== 201 && res.status !== 409) throw new Error(`installing ${file}: HTTP ${res.status} ${res.body}`);
      names.push(crd.metadata.name);
    }
  }
  for (const name of names) {
    await waitUntil(`CRD ${name} Established`, 30_000, async () => {
      const res = await request(`${url}/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`, { token, ca });
      const conditions: Array<{ type: string; status: string }> = JSON.parse(res.body).status?.conditions ?? [];
      return conditions.some((c) => c.type === 'Established' && c.status === 'True');
    });
  }
  // Discovery of the new groups lags behind Established; wait until every group is served.
  const groups = new Set(names.map((n) => n.slice(n.indexOf('.') + 1)));
  await waitUntil('CRD groups in discovery', 30_000, async () => {
    const res = await request(`${url}/apis`, { token, ca });
    const served = new Set<string>((JSON.parse(res.body).groups ?? []).map((g: { name: string }) => g.name));
    return [...groups].every((g) => served.has(g));
  });
}
