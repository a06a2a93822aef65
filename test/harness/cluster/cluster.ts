// A one-node Kubernetes cluster on this machine, for tests that need pods that really run: the
// harness's etcd + kube-apiserver, kube-controller-manager, kube-scheduler, kubelet and kube-proxy
// from the same k8s.io/kubernetes module (nodebin/build.sh), Debian's containerd + runc + CNI
// plugins, and no registry (images are imported).
//
// Networking never leaves the machine. The node is a network namespace of its own joined to the
// host by one veth pair (host side HOST_IP, node side NODE_IP); containerd, the kubelet, kube-proxy
// and every pod live in it. kube-apiserver listens on HOST_IP, which pods reach through the
// `kubernetes` Service. The host routes the pod and Service ranges into the namespace, which has no
// other route: pods reach the host and each other, nothing beyond. Deleting the namespace removes
// the bridge, the veth pair, the routes and every iptables rule kube-proxy and the CNI plugins made.
import { ChildProcess, execFileSync } from 'child_process';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as https from 'https';
import * as os from 'os';
import * as path from 'path';
import { PAUSE_IMAGE, importImage, writePauseLayout } from './images';
import { launch, startTestApiServer, stopProcess, tail, TestApiServer, kubeconfigYaml, waitUntil, freePort } from '../apiserver';

export const NETNS = 'flux-webhooks-node';
export const HOST_IP = '10.213.0.254';
export const NODE_IP = '10.213.0.1';
export const POD_CIDR = '10.214.0.0/24';
export const SERVICE_CIDR = '10.215.0.0/24';
/** The `kubernetes` Service's ClusterIP: the first address of SERVICE_CIDR. */
export const KUBERNETES_SERVICE_IP = '10.215.0.1';
export const NODE_NAME = 'flux-webhooks-node';
const HOST_VETH = 'fwh-host';
const NODE_VETH = 'fwh-node';
const CNI_BRIDGE = 'fwh-cni0';
/** Parent cgroup of every pod (kubelet `cgroupRoot`), in each cgroup v1 hierarchy. */
const CGROUP_ROOT = 'flux-webhooks-node';
const LOCK_FILE = '/run/flux-webhooks-test-cluster.lock';
const CNI_DIRS = ['/usr/lib/cni', '/opt/cni/bin'];
const CNI_PLUGINS = ['bridge', 'host-local', 'loopback', 'portmap'];
const NETNS_DIR = '/run/netns';

export interface TestCluster {
  readonly apiserver: TestApiServer;
  /** Admin kubeconfig (the apiserver's `system:masters` token), usable with kubectl. */
  readonly kubeconfigPath: string;
  readonly workDir: string;
  /** One log file per component. */
  readonly logDir: string;
  readonly timings: Record<string, number>;
  /** Imports the image an OCI layout's index.json names `refName` into the node's containerd. */
  importImage(layout: string, refName: string): void;
  /** Stops everything and removes what the cluster made (processes, mounts, cgroups, network). */
  stop(): Promise<void>;
}

export interface ClusterOptions {
  /** Where the component logs go. @default `<workDir>/logs` (removed by stop()) */
  readonly logDir?: string;
  readonly log?: (line: string) => void;
}

/** Builds the node's binaries if they are not cached (nodebin/build.sh) and returns their directory. */
export function nodebinDirectory(): string {
  if (process.env.NODEBIN_DIR) return process.env.NODEBIN_DIR;
  const out = execFileSync('bash', [path.join(__dirname, 'nodebin', 'build.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  return out.trim().split('\n').pop()!;
}

/** What this machine lacks to run the cluster, in words a person can act on; empty when nothing. */
export function missingPrerequisites(): string[] {
  const missing: string[] = [];
  if (process.getuid?.() !== 0) missing.push('root (network namespaces, mounts, cgroups)');
  if (!fs.existsSync('/sys/fs/cgroup/cpu') && !fs.existsSync('/sys/fs/cgroup/cgroup.controllers')) missing.push('a mounted cgroup hierarchy');
  for (const cmd of ['containerd', 'containerd-shim-runc-v2', 'ctr', 'runc', 'ip', 'iptables', 'nsenter', 'setpriv', 'tar']) {
    if (!_which(cmd)) missing.push(`the command ${cmd}`);
  }
  if (!_cniDir()) missing.push(`the CNI plugins ${CNI_PLUGINS.join(', ')} (in ${CNI_DIRS.join(' or ')})`);
  return missing;
}

export async function startTestCluster(options: ClusterOptions = {}): Promise<TestCluster> {
  const missing = missingPrerequisites();
  if (missing.length > 0) {
    throw new Error(`the test cluster needs ${missing.join('; ')} (Debian: apt-get install containerd runc containernetworking-plugins iptables util-linux)`);
  }
  const log = options.log ?? (() => undefined);
  const timings: Record<string, number> = {};
  const since = (label: string, start: number) => (timings[label] = Date.now() - start);
  let t = Date.now();
  const bin = nodebinDirectory();
  since('nodebin', t);
  _takeLock();

  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flux-webhooks-cluster-'));
  fs.writeFileSync(LOCK_FILE, JSON.stringify({ pid: process.pid, workDir }));
  const logDir = options.logDir ?? path.join(workDir, 'logs');
  fs.mkdirSync(logDir, { recursive: true });
  const children: Array<{ name: string; child: ChildProcess; log: string }> = [];
  let apiserver: TestApiServer | undefined;
  const netnsBefore = _netnsNames();

  const stop = async () => {
    const stopping = Date.now();
    const errors: string[] = [];
    const attempt = async (what: string, fn: () => unknown) => {
      try {
        await fn();
      } catch (e) {
        errors.push(`${what}: ${(e as Error).message}`);
      }
    };
    // Node components first (so nothing restarts the containers), then the containers, then
    // containerd, the mounts, cgroups and network they leave, then the control plane.
    for (const c of [...children].reverse().filter((x) => x.name !== 'containerd')) await attempt(`stop ${c.name}`, () => stopProcess(c.child));
    await attempt('kill containers', () => _killContainers(workDir));
    for (const c of children.filter((x) => x.name === 'containerd')) await attempt('stop containerd', () => stopProcess(c.child));
    await attempt('unmount', () => _unmountUnder(workDir, netnsBefore));
    await attempt('remove cgroups', () => _removeCgroups());
    await attempt('remove network namespace', () => _removeNetns());
    if (apiserver) await attempt('stop apiserver', () => apiserver!.stop());
    if (!options.logDir) await attempt('remove work dir', () => fs.rmSync(workDir, { recursive: true, force: true }));
    await attempt('release lock', () => fs.rmSync(LOCK_FILE, { force: true }));
    if (errors.length > 0) throw new Error(`test cluster teardown: ${errors.join('; ')}`);
    log(`test cluster: stopped and removed in ${Date.now() - stopping} ms`);
  };

  try {
    t = Date.now();
    _setUpNetwork();
    since('network', t);

    t = Date.now();
    const tokens = {
      kubelet: { token: randomBytes(24).toString('hex'), user: `system:node:${NODE_NAME}`, groups: ['system:nodes'] },
      controllerManager: { token: randomBytes(24).toString('hex'), user: 'system:kube-controller-manager' },
      scheduler: { token: randomBytes(24).toString('hex'), user: 'system:kube-scheduler' },
      proxy: { token: randomBytes(24).toString('hex'), user: 'system:kube-proxy' },
    };
    apiserver = await startTestApiServer({
      address: HOST_IP,
      serviceClusterIpRange: SERVICE_CIDR,
      extraCertificateIps: [KUBERNETES_SERVICE_IP],
      nodes: true,
      extraTokens: Object.values(tokens),
      logDir,
    });
    since('apiserver', t);
    const kubeconfig = (name: string, token: string) => {
      const file = path.join(workDir, `${name}.kubeconfig`);
      fs.writeFileSync(file, kubeconfigYaml(apiserver!.url, apiserver!.caPem, token), { mode: 0o600 });
      return file;
    };
    const start = (name: string, binary: string, args: string[], inNode: boolean) => {
      const logFile = path.join(logDir, `${name}.log`);
      const child = inNode
        ? launch('nsenter', [`--net=${path.join(NETNS_DIR, NETNS)}`, '--', binary, ...args], logFile)
        : launch(binary, args, logFile);
      children.push({ name, child, log: logFile });
    };
    const died = () => {
      for (const c of children) {
        if (c.child.exitCode !== null || c.child.signalCode !== null) return `${c.name} exited (${c.child.exitCode ?? c.child.signalCode}):\n${tail(c.log)}`;
      }
      return undefined;
    };

    t = Date.now();
    start('kube-controller-manager', path.join(bin, 'kube-controller-manager'), [
      '--kubeconfig', kubeconfig('kube-controller-manager', tokens.controllerManager.token),
      '--use-service-account-credentials', '--leader-elect=false',
      '--root-ca-file', path.join(apiserver.workDir, 'apiserver.crt'),
      '--service-account-private-key-file', path.join(apiserver.workDir, 'sa.key'),
      '--service-cluster-ip-range', SERVICE_CIDR, '--allocate-node-cidrs=false',
      '--bind-address', '127.0.0.1', '--secure-port', String(await freePort()), '--v', '1',
    ], false);
    start('kube-scheduler', path.join(bin, 'kube-scheduler'), [
      '--kubeconfig', kubeconfig('kube-scheduler', tokens.scheduler.token), '--leader-elect=false',
      '--bind-address', '127.0.0.1', '--secure-port', String(await freePort()), '--v', '1',
    ], false);

    const containerdDir = path.join(workDir, 'containerd');
    const socket = path.join(containerdDir, 'containerd.sock');
    const cniConfDir = path.join(workDir, 'cni');
    _writeContainerdConfig(workDir, containerdDir, socket, cniConfDir);
    start('containerd', 'containerd', ['--config', path.join(containerdDir, 'config.toml')], true);
    const ctr = (args: string[]) => execFileSync('ctr', ['--address', socket, '--namespace', 'k8s.io', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    await waitUntil('containerd', 30_000, async () => fs.existsSync(socket) && (ctr(['version']), true), died);
    const pauseLayout = path.join(workDir, 'pause-image');
    await writePauseLayout(path.join(bin, 'pause'), pauseLayout);
    importImage(ctr, pauseLayout, PAUSE_IMAGE, workDir);

    _createCgroups();
    const kubeletDir = path.join(workDir, 'kubelet');
    fs.mkdirSync(kubeletDir, { recursive: true });
    fs.writeFileSync(path.join(kubeletDir, 'config.yaml'), JSON.stringify(_kubeletConfig(socket)));
    start('kubelet', path.join(bin, 'kubelet'), [
      '--config', path.join(kubeletDir, 'config.yaml'), '--kubeconfig', kubeconfig('kubelet', tokens.kubelet.token),
      '--root-dir', path.join(kubeletDir, 'root'), '--cert-dir', path.join(kubeletDir, 'pki'),
      '--hostname-override', NODE_NAME, '--node-ip', NODE_IP, '--v', '1',
    ], true);
    const proxyConfig = path.join(workDir, 'kube-proxy.yaml');
    fs.writeFileSync(proxyConfig, JSON.stringify({
      apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
      kind: 'KubeProxyConfiguration',
      mode: 'iptables',
      clientConnection: { kubeconfig: kubeconfig('kube-proxy', tokens.proxy.token) },
      hostnameOverride: NODE_NAME,
      clusterCIDR: POD_CIDR,
      // Leave the machine's conntrack table size alone (it is not the node's to change).
      conntrack: { maxPerCore: 0, min: 0 },
      metricsBindAddress: '127.0.0.1:10249',
      healthzBindAddress: '127.0.0.1:10256',
    }));
    start('kube-proxy', path.join(bin, 'kube-proxy'), ['--config', proxyConfig, '--v', '1'], true);

    const admin = { token: apiserver.adminToken, ca: apiserver.caPem };
    await waitUntil(`node ${NODE_NAME} Ready`, 120_000, async () => {
      const node = await _get(apiserver!.url, `/api/v1/nodes/${NODE_NAME}`, admin);
      return node?.status?.conditions?.some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True') ?? false;
    }, died);
    await waitUntil('default ServiceAccount and kube-root-ca.crt (kube-controller-manager)', 60_000, async () =>
      (await _get(apiserver!.url, '/api/v1/namespaces/default/serviceaccounts/default', admin)) !== undefined
      && (await _get(apiserver!.url, '/api/v1/namespaces/default/configmaps/kube-root-ca.crt', admin)) !== undefined, died);
    // kube-proxy has programmed the `kubernetes` Service when its ClusterIP answers from the host.
    await waitUntil('the kubernetes Service through kube-proxy', 60_000, async () =>
      (await _get(`https://${KUBERNETES_SERVICE_IP}:443`, '/readyz', admin, true)) !== undefined, died);
    since('node', t);
    log(`test cluster: node ${NODE_NAME} Ready (${Object.entries(timings).map(([k, v]) => `${k} ${v} ms`).join(', ')}); kubeconfig ${apiserver.kubeconfigPath}`);

    return {
      apiserver,
      kubeconfigPath: apiserver.kubeconfigPath,
      workDir,
      logDir,
      timings,
      importImage: (layout, refName) => importImage(ctr, layout, refName, workDir),
      stop,
    };
  } catch (e) {
    await stop().catch((err) => log(String(err)));
    throw e;
  }
}

function _which(cmd: string): boolean {
  return (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/sbin']).some((d) => d && fs.existsSync(path.join(d, cmd)));
}

function _cniDir(): string | undefined {
  return CNI_DIRS.find((d) => CNI_PLUGINS.every((p) => fs.existsSync(path.join(d, p))));
}

function _run(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** One cluster per machine (kube-proxy and the addresses are machine-wide); a dead holder's leftovers are removed. */
function _takeLock(): void {
  if (fs.existsSync(LOCK_FILE)) {
    let holder: { pid?: number; workDir?: string } = {};
    try {
      holder = JSON.parse(fs.readFileSync(LOCK_FILE, 'utf8'));
    } catch {
      // A half-written lock: its holder died while starting.
    }
    if (holder.pid && holder.pid !== process.pid && _alive(holder.pid)) {
      throw new Error(`another test cluster is running (process ${holder.pid}, ${LOCK_FILE}); one per machine`);
    }
    _killContainers(holder.workDir);
    if (holder.workDir) _unmountUnder(holder.workDir, new Set());
    _removeCgroups();
    _removeNetns();
    if (holder.workDir) fs.rmSync(holder.workDir, { recursive: true, force: true });
  } else {
    // Leftovers of a run that died before it wrote the lock.
    _removeNetns();
  }
  fs.writeFileSync(LOCK_FILE, JSON.stringify({ pid: process.pid }));
}

function _alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function _setUpNetwork(): void {
  _run('ip', ['netns', 'add', NETNS]);
  _run('ip', ['link', 'add', HOST_VETH, 'type', 'veth', 'peer', 'name', NODE_VETH, 'netns', NETNS]);
  _run('ip', ['addr', 'add', `${HOST_IP}/24`, 'dev', HOST_VETH]);
  _run('ip', ['link', 'set', HOST_VETH, 'up']);
  _run('ip', ['-n', NETNS, 'addr', 'add', `${NODE_IP}/24`, 'dev', NODE_VETH]);
  _run('ip', ['-n', NETNS, 'link', 'set', NODE_VETH, 'up']);
  _run('ip', ['-n', NETNS, 'link', 'set', 'lo', 'up']);
  // Forwarding inside the node's namespace only (pods ↔ host); the host's setting is untouched.
  _run('ip', ['netns', 'exec', NETNS, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1']);
  // The node has no default route: a pod's packet for anything but the host, pods and Services is dropped.
  _run('ip', ['route', 'add', POD_CIDR, 'via', NODE_IP, 'dev', HOST_VETH]);
  _run('ip', ['route', 'add', SERVICE_CIDR, 'via', NODE_IP, 'dev', HOST_VETH]);
}

function _removeNetns(): void {
  if (!fs.existsSync(path.join(NETNS_DIR, NETNS))) return;
  for (const pid of _run('ip', ['netns', 'pids', NETNS]).split('\n').filter(Boolean)) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // Gone already.
    }
  }
  _run('ip', ['netns', 'delete', NETNS]);
  // The host end of the veth pair goes with its peer, and the routes through it with it.
}

function _netnsNames(): Set<string> {
  return new Set(fs.existsSync(NETNS_DIR) ? fs.readdirSync(NETNS_DIR) : []);
}

/** Every container process (the pod cgroups) and the containerd shims of this cluster. */
function _killContainers(workDir: string | undefined): void {
  const pids = new Set<number>();
  for (const dir of _cgroupDirs()) {
    for (const f of _walk(dir).filter((p) => p.endsWith('/cgroup.procs'))) {
      for (const pid of fs.readFileSync(f, 'utf8').split('\n').filter(Boolean)) pids.add(Number(pid));
    }
  }
  if (workDir) {
    for (const entry of fs.readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
      try {
        const cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8');
        if (cmdline.startsWith('containerd-shim') || cmdline.includes('/containerd-shim')) {
          if (cmdline.includes(workDir)) pids.add(Number(entry));
        }
      } catch {
        // Exited meanwhile.
      }
    }
  }
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Exited meanwhile.
    }
  }
}

function _cgroupDirs(): string[] {
  if (!fs.existsSync('/sys/fs/cgroup')) return [];
  return fs.readdirSync('/sys/fs/cgroup').map((h) => path.join('/sys/fs/cgroup', h, CGROUP_ROOT)).filter((d) => fs.existsSync(d));
}

function _walk(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(..._walk(p));
    else out.push(p);
  }
  return out;
}

/** The kubelet's `cgroupRoot` must exist in every cgroup v1 hierarchy. */
function _createCgroups(): void {
  for (const h of fs.readdirSync('/sys/fs/cgroup')) {
    const parent = path.join('/sys/fs/cgroup', h);
    if (h === 'unified' || !fs.existsSync(path.join(parent, 'cgroup.procs'))) continue;
    const dir = path.join(parent, CGROUP_ROOT);
    fs.mkdirSync(dir, { recursive: true });
    // A cpuset cgroup takes no tasks until it has CPUs and memory nodes.
    for (const f of ['cpuset.cpus', 'cpuset.mems']) {
      if (fs.existsSync(path.join(dir, f)) && fs.readFileSync(path.join(dir, f), 'utf8').trim() === '') {
        fs.writeFileSync(path.join(dir, f), fs.readFileSync(path.join(parent, f)));
      }
    }
  }
}

function _removeCgroups(): void {
  for (const top of _cgroupDirs()) {
    const dirs = [top, ..._walkDirs(top)].sort((a, b) => b.length - a.length);
    for (const d of dirs) {
      try {
        fs.rmdirSync(d);
      } catch {
        // Still has processes for a moment after SIGKILL; retried below.
      }
    }
  }
  const deadline = Date.now() + 10_000;
  while (_cgroupDirs().length > 0 && Date.now() < deadline) {
    execFileSync('sleep', ['0.2']);
    for (const top of _cgroupDirs()) {
      for (const d of [top, ..._walkDirs(top)].sort((a, b) => b.length - a.length)) {
        try {
          fs.rmdirSync(d);
        } catch {
          // Next round.
        }
      }
    }
  }
  if (_cgroupDirs().length > 0) throw new Error(`cgroups left: ${_cgroupDirs().join(', ')}`);
}

function _walkDirs(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) out.push(path.join(dir, e.name), ..._walkDirs(path.join(dir, e.name)));
  }
  return out;
}

/** Mounts under the work dir (rootfs, volumes) and the pod network namespaces made since `before`, deepest first. */
function _unmountUnder(workDir: string, before: ReadonlySet<string>): void {
  const points = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter(Boolean)
    .map((l) => l.split(' ')[4].replace(/\\040/g, ' '))
    .filter((p) => p === workDir || p.startsWith(`${workDir}/`));
  for (const p of [...new Set(points)].sort((a, b) => b.length - a.length)) {
    try {
      _run('umount', ['-l', p]);
    } catch {
      // Already gone with its parent.
    }
  }
  for (const name of _netnsNames()) {
    if (!name.startsWith('cni-') || before.has(name)) continue;
    try {
      _run('umount', ['-l', path.join(NETNS_DIR, name)]);
    } catch {
      // Not mounted.
    }
    fs.rmSync(path.join(NETNS_DIR, name), { force: true });
  }
}

function _writeContainerdConfig(workDir: string, dir: string, socket: string, cniConfDir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.mkdirSync(cniConfDir, { recursive: true });
  fs.writeFileSync(path.join(cniConfDir, '10-flux-webhooks.conflist'), JSON.stringify({
    cniVersion: '1.0.0',
    name: 'flux-webhooks-node',
    plugins: [
      {
        type: 'bridge',
        bridge: CNI_BRIDGE,
        isGateway: true,
        ipMasq: false,
        hairpinMode: true,
        ipam: { type: 'host-local', ranges: [[{ subnet: POD_CIDR }]], routes: [{ dst: '0.0.0.0/0' }], dataDir: path.join(workDir, 'cni-ipam') },
      },
      { type: 'portmap', capabilities: { portMappings: true } },
    ],
  }));
  const q = JSON.stringify;
  fs.writeFileSync(path.join(dir, 'config.toml'), [
    'version = 2',
    `root = ${q(path.join(dir, 'root'))}`,
    `state = ${q(path.join(dir, 'state'))}`,
    'disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs"]',
    '[grpc]',
    `  address = ${q(socket)}`,
    '[plugins."io.containerd.internal.v1.opt"]',
    `  path = ${q(path.join(dir, 'opt'))}`,
    '[plugins."io.containerd.grpc.v1.cri"]',
    `  sandbox_image = ${q(PAUSE_IMAGE)}`,
    // The machine may drop CAP_SYS_RESOURCE: lowering oom_score_adj is refused, and runc fails
    // every sandbox ("can't get final child's PID from pipe: EOF") unless containerd stays within it.
    '  restrict_oom_score_adj = true',
    '  enable_selinux = false',
    '  [plugins."io.containerd.grpc.v1.cri".containerd]',
    '    snapshotter = "overlayfs"',
    '    default_runtime_name = "runc"',
    '    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]',
    '      runtime_type = "io.containerd.runc.v2"',
    '      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]',
    '        SystemdCgroup = false',
    `        Root = ${q(path.join(dir, 'runc'))}`,
    '  [plugins."io.containerd.grpc.v1.cri".cni]',
    `    bin_dir = ${q(_cniDir())}`,
    `    conf_dir = ${q(cniConfDir)}`,
    '',
  ].join('\n'));
}

function _kubeletConfig(socket: string): object {
  return {
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    // cgroup v1 hosts: the kubelet refuses them unless told otherwise.
    failCgroupV1: false,
    cgroupDriver: 'cgroupfs',
    cgroupRoot: `/${CGROUP_ROOT}`,
    containerRuntimeEndpoint: `unix://${socket}`,
    // Reachable from the host only (the node's namespace); kube-apiserver's logs/exec calls carry no client certificate.
    authentication: { anonymous: { enabled: true }, webhook: { enabled: false } },
    authorization: { mode: 'AlwaysAllow' },
    address: NODE_IP,
    readOnlyPort: 0,
    healthzBindAddress: '127.0.0.1',
    failSwapOn: false,
    // No cluster DNS: pods get no resolver (tests address Services by ClusterIP).
    resolvConf: '',
    clusterDomain: 'cluster.local',
    // The imported images cannot be pulled again: never collect them, never evict for disk.
    imageGCHighThresholdPercent: 100,
    imageGCLowThresholdPercent: 99,
    evictionHard: { 'memory.available': '1Mi', 'nodefs.available': '0%', 'imagefs.available': '0%', 'nodefs.inodesFree': '0%' },
    localStorageCapacityIsolation: false,
    serializeImagePulls: false,
    maxPods: 30,
    rotateCertificates: false,
    // Pods finish their graceful shutdown when deleted; node shutdown is the harness's job.
    shutdownGracePeriod: '0s',
    syncFrequency: '10s',
  };
}

async function _get(base: string, p: string, auth: { token: string; ca: string }, anyStatus = false): Promise<any> {
  return new Promise((resolve, reject) => {
    const req = https.request(`${base}${p}`, { ca: auth.ca, headers: { Authorization: `Bearer ${auth.token}` }, timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => {
        if (res.statusCode === 404) return resolve(undefined);
        if (res.statusCode !== 200 && !anyStatus) return reject(new Error(`GET ${p}: HTTP ${res.statusCode} ${body.slice(0, 200)}`));
        try {
          resolve(JSON.parse(body));
        } catch {
          resolve(body);
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`timeout: ${base}${p}`)));
    req.on('error', reject);
    req.end();
  });
}
