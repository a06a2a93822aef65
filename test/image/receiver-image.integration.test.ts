// The receiver image, built here without a container daemon (image/build.ts): reproducible,
// well-formed for both architectures, within the size budget, and it really runs: unpacked and
// started like a pod the WebhookReceiver construct renders (non-root, read-only root, its args,
// its ConfigMap and Secret mounts, an in-cluster ServiceAccount token for the real test
// apiserver), it turns a signed GitHub push into a reconcile request and exits cleanly on SIGTERM.
import { execFileSync, spawnSync } from 'child_process';
import { createHash, createHmac, randomBytes } from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import { tmpdir } from 'os';
import { join } from 'path';
import { gunzipSync } from 'zlib';
import { App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { blobPath, OciImage, readImage, readIndex, unpackImage } from './oci-image';
import { qemuAarch64 } from './qemu-user';
import { RunningContainer, startContainer } from './rootfs-container';
import { buildImage, BuildResult, DEFAULT_OUT_DIR } from '../../image/build';
import { APP_BUNDLE_PATH, CMD, ENTRYPOINT, imageLabels, imageRefName, NODE_PATH, packageJson } from '../../image/image-config';
import { MEDIA_TYPES } from '../../image/oci-layout';
import { ARCH_INPUTS, NODE_VERSION } from '../../image/runtime-inputs';
import { GitRef, GitRepository, ReceiverProvider, ReconcileTarget, WebhookReceiver } from '../../src';
import { DEFAULT_IMAGE_REPOSITORY, HEALTH_PORT, hookPath, IMAGE_USER_ID, METRICS_PORT, SERVER_FLAGS, WEBHOOK_PORT } from '../../src/model';
import { freePort } from '../harness/apiserver';
import {
  adminKubeConfig, apply, createTestNamespace, eventually, kubeConfigForToken, kubeRequest, ManifestObject, serviceAccountToken, writeKubeconfig,
} from '../harness/kube';

const MB = 1e6;
const SIZE_BUDGET = 50 * MB;
const REQUESTED_AT = 'reconcile.fluxcd.io/requestedAt';
const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

let build: BuildResult;
const containers: RunningContainer[] = [];
const work = fs.mkdtempSync(join(tmpdir(), 'receiver-image-'));

beforeAll(async () => {
  if (process.getuid?.() !== 0) throw new Error('test/image needs root: the image build sets file owners, and running the image uses unshare, mounts and chroot');
  build = await buildImage({ log: () => undefined });
  process.stdout.write(`image: ${build.reused ? 'reused' : 'built'} ${build.refNames[0]} in ${build.seconds.toFixed(1)} s\n`);
}, 600_000);

afterAll(() => {
  // A failed assertion must not leave a receiver running (it would keep jest alive).
  for (const c of containers) c.kill();
  fs.rmSync(work, { recursive: true, force: true });
});

describe('build', () => {
  test('is reproducible: a fresh build from the same inputs gives the same index digest', async () => {
    // Same revision and epoch even if someone commits meanwhile: they are inputs too.
    const again = await buildImage({
      outDir: join(work, 'again'), reuse: false, bundle: false, revision: build.revision, sourceDateEpoch: build.sourceDateEpoch, log: () => undefined,
    });
    process.stdout.write(`image: fresh rebuild (cached downloads) took ${again.seconds.toFixed(1)} s\n`);
    expect(again.reused).toBe(false);
    expect(again.inputsKey).toBe(build.inputsKey);
    expect(again.images.map((i) => i.manifestDigest)).toEqual(build.images.map((i) => i.manifestDigest));
    expect(again.indexDigest).toBe(build.indexDigest);
    expect(fs.readFileSync(join(again.outDir, 'index.json'), 'utf8')).toBe(fs.readFileSync(join(build.outDir, 'index.json'), 'utf8'));
  }, 600_000);

  test('index.json names the image index by the reference the constructs deploy, and by its tag', () => {
    const top = JSON.parse(fs.readFileSync(join(DEFAULT_OUT_DIR, 'index.json'), 'utf8'));
    const refNames = top.manifests.map((m: any) => m.annotations['org.opencontainers.image.ref.name']);
    expect(refNames).toEqual([`${DEFAULT_IMAGE_REPOSITORY}:v${packageJson().version}`, `v${packageJson().version}`]);
    const { descriptor, index } = readIndex(DEFAULT_OUT_DIR, refNames[0]);
    expect(descriptor.mediaType).toBe(MEDIA_TYPES.index);
    expect(descriptor.digest).toBe(build.indexDigest);
    expect(index.mediaType).toBe(MEDIA_TYPES.index);
    expect(index.manifests.map((m) => m.platform)).toEqual([
      { architecture: 'amd64', os: 'linux' },
      { architecture: 'arm64', os: 'linux', variant: 'v8' },
    ]);
  });

  test.each(['amd64', 'arm64'])('%s manifest and config are well formed and every blob matches its descriptor', (arch) => {
    const image = readImage(DEFAULT_OUT_DIR, imageRefName(), arch);
    const verify = (d: { digest: string; size: number }) => {
      const bytes = fs.readFileSync(blobPath(DEFAULT_OUT_DIR, d.digest));
      expect(bytes.length).toBe(d.size);
      expect(`sha256:${createHash('sha256').update(bytes).digest('hex')}`).toBe(d.digest);
      return bytes;
    };
    verify(image.manifestDescriptor);
    expect(image.manifest.schemaVersion).toBe(2);
    expect(image.manifest.mediaType).toBe(MEDIA_TYPES.manifest);
    expect(image.manifest.config.mediaType).toBe(MEDIA_TYPES.config);
    verify(image.manifest.config);
    expect(image.config.architecture).toBe(arch);
    expect(image.config.os).toBe('linux');
    expect(image.config.variant).toBe(ARCH_INPUTS[arch as 'amd64' | 'arm64'].platform.variant);
    expect(image.config.rootfs.type).toBe('layers');
    expect(image.manifest.layers).toHaveLength(image.config.rootfs.diff_ids.length);
    image.manifest.layers.forEach((layer, i) => {
      expect(layer.mediaType).toBe(MEDIA_TYPES.layerGzip);
      const tar = gunzipSync(verify(layer));
      expect(`sha256:${createHash('sha256').update(tar).digest('hex')}`).toBe(image.config.rootfs.diff_ids[i]);
    });
  });

  test.each(['amd64', 'arm64'])('%s config: non-root user, entrypoint, ports, labels', (arch) => {
    const { config } = readImage(DEFAULT_OUT_DIR, imageRefName(), arch);
    expect(config.config.User).toBe(`${IMAGE_USER_ID}:${IMAGE_USER_ID}`);
    expect(config.config.Entrypoint).toEqual(['/nodejs/bin/node', '--max-old-space-size=160', '/app/server.cjs']);
    expect(config.config.Cmd).toEqual(['serve']);
    expect(Object.keys(config.config.ExposedPorts).sort()).toEqual([`${HEALTH_PORT}/tcp`, `${METRICS_PORT}/tcp`, `${WEBHOOK_PORT}/tcp`].sort());
    expect(config.config.Labels).toEqual(imageLabels(build.revision));
    expect(config.config.Labels).toMatchObject({
      'org.opencontainers.image.licenses': 'Apache-2.0',
      'org.opencontainers.image.version': packageJson().version,
      'org.opencontainers.image.source': 'https://github.com/cdk8s-flux-webhooks/cdk8s-flux-webhooks',
    });
    expect(config.config.Labels['org.opencontainers.image.revision']).toMatch(/^[0-9a-f]{40}$|^unknown$/);
  });

  test.each(['amd64', 'arm64'])('%s fits the size budget of 50 MB compressed', (arch) => {
    const image = readImage(DEFAULT_OUT_DIR, imageRefName(), arch);
    const compressed = image.manifest.layers.reduce((n, l) => n + l.size, 0) + image.manifest.config.size + image.manifestDescriptor.size;
    process.stdout.write(`image: ${arch} ${(compressed / MB).toFixed(1)} MB compressed\n`);
    expect(compressed).toBe(build.images.find((i) => i.arch === arch)!.compressedSize);
    expect(compressed).toBeLessThanOrEqual(SIZE_BUDGET);
  });

  test('layers hold no shell, own /tmp as 1777, and list files in name order with one fixed mtime', () => {
    const image = readImage(DEFAULT_OUT_DIR, imageRefName(), 'amd64');
    const tmpModes: string[] = [];
    for (const layer of image.manifest.layers) {
      const listing = execFileSync('tar', ['-tvzf', blobPath(DEFAULT_OUT_DIR, layer.digest), '--numeric-owner', '--full-time'], { encoding: 'utf8', maxBuffer: 16 * MB })
        .trim().split('\n').map((l) => l.split(/\s+/));
      const names = listing.map((f) => f[5]);
      expect(names).toEqual([...names].sort());
      expect(new Set(listing.map((f) => `${f[3]} ${f[4]}`)).size).toBe(1);
      expect(names.filter((n) => /(^|\/)(sh|bash|dash|busybox)$/.test(n))).toEqual([]);
      const tmp = listing.find((f) => f[5] === 'tmp/');
      if (tmp) tmpModes.push(tmp[0]);
    }
    // Some layer must hold /tmp, and every entry of it is world-writable and sticky.
    expect(tmpModes.length).toBeGreaterThan(0);
    expect([...new Set(tmpModes)]).toEqual(['drwxrwxrwt']);
  });
});

// .ci/run installs skopeo and sets FLUX_WEBHOOKS_REQUIRE_SKOPEO=1, so CI never skips these.
describe('skopeo (runs where skopeo is installed; required in CI)', () => {
  const skopeo = spawnSync('skopeo', ['--version']).status === 0 || process.env.FLUX_WEBHOOKS_REQUIRE_SKOPEO === '1';
  (skopeo ? test : test.skip).each(['amd64', 'arm64'])('skopeo reads the %s image by both ref names', (arch) => {
    const image = readImage(DEFAULT_OUT_DIR, imageRefName(), arch);
    for (const ref of build.refNames) {
      const out = JSON.parse(execFileSync('skopeo', ['inspect', '--override-arch', arch, `oci:${DEFAULT_OUT_DIR}:${ref}`], { encoding: 'utf8' }));
      expect(out.Digest).toBe(build.indexDigest); // skopeo reports the digest the reference names: the index
      expect(out.Architecture).toBe(arch);
      expect(out.Layers).toEqual(image.manifest.layers.map((l) => l.digest));
    }
  });
});

describe('tie-in with the WebhookReceiver construct', () => {
  test('the construct deploys exactly the image this build tags, with the args the image expects', () => {
    const chart = new Chart(new App(), 'tie-in', { namespace: 'flux-system' });
    new WebhookReceiver(chart, 'receiver');
    const deployment = chart.toJson().find((o: any) => o.kind === 'Deployment');
    const container = deployment.spec.template.spec.containers[0];
    expect(container.image).toBe(build.refNames[0]);
    expect(container.command).toBeUndefined(); // the image's Entrypoint runs the bundle
    expect(container.args[0]).toBe(CMD[0]);
    expect(container.securityContext.runAsUser).toBe(IMAGE_USER_ID);
  });
});

// ---- running the image -------------------------------------------------------------------------

function httpRequest(port: number, path: string, method = 'GET', headers: Record<string, string> = {}, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      let data = '';
      res.on('data', (d) => (data += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data }));
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Replaces the value that follows `flag` in `args`. */
function withFlag(args: string[], flag: string, value: string): string[] {
  const i = args.indexOf(flag);
  if (i < 0) throw new Error(`the construct's args have no ${flag}: ${args.join(' ')}`);
  return [...args.slice(0, i + 1), value, ...args.slice(i + 2)];
}

describe('the amd64 image runs like the pod the construct renders', () => {
  let image: OciImage;
  let rootfs: string;
  beforeAll(() => {
    image = readImage(DEFAULT_OUT_DIR, imageRefName(), 'amd64');
    rootfs = join(work, 'rootfs-amd64');
    unpackImage(DEFAULT_OUT_DIR, image, rootfs);
  });

  test('node and the bundle sit at the paths of the entrypoint; passwd knows nonroot; no shell', () => {
    expect(fs.statSync(join(rootfs, NODE_PATH)).mode % 0o1000).toBe(0o755);
    expect(fs.existsSync(join(rootfs, APP_BUNDLE_PATH))).toBe(true);
    // The heap limit keeps decoded bodies' garbage from growing into the pod limit (src/model/server-contract.ts).
    expect(ENTRYPOINT).toEqual([NODE_PATH, '--max-old-space-size=160', APP_BUNDLE_PATH]);
    expect(fs.readFileSync(join(rootfs, 'etc/passwd'), 'utf8')).toMatch(new RegExp(`^nonroot:x:${IMAGE_USER_ID}:${IMAGE_USER_ID}:`, 'm'));
    expect(fs.readFileSync(join(rootfs, 'etc/group'), 'utf8')).toMatch(new RegExp(`^nonroot:x:${IMAGE_USER_ID}:`, 'm'));
    expect(fs.statSync(join(rootfs, 'tmp')).mode % 0o10000).toBe(0o1777);
    for (const sh of ['bin/sh', 'bin/bash', 'usr/bin/sh']) expect(fs.existsSync(join(rootfs, sh))).toBe(false);
  });

  test('node runs as the image user without capabilities on a read-only root; glibc name lookups and TLS roots work', async () => {
    // Runtimes bind-mount /etc/hosts; getaddrinfo must find names in it through the image's NSS config.
    const hosts = join(work, 'hosts');
    fs.writeFileSync(hosts, '127.0.0.1 localhost\n10.96.0.1 kubernetes.default.svc\n');
    const c = startContainer({
      rootfs,
      argv: [NODE_PATH, '-e', [
        'const fs = require("fs");',
        'let ro = "writable"; try { fs.writeFileSync("/app/x", "") } catch (e) { ro = e.code }',
        'fs.writeFileSync("/tmp/ok", "ok");',
        'const caps = fs.readFileSync("/proc/self/status", "utf8").match(/^CapEff:\\s*(\\S+)/m)[1];',
        'const tlsRoots = require("tls").rootCertificates.length;',
        'require("dns").lookup("kubernetes.default.svc", { family: 4 }, (err, address) => console.log(JSON.stringify({',
        '  v: process.version, arch: process.arch, uid: process.getuid(), gid: process.getgid(), groups: process.getgroups(),',
        '  user: require("os").userInfo().username, ro, caps, pid: process.pid, address: err ? err.code : address, tlsRoots: tlsRoots > 100 })));',
      ].join(' ')],
      env: image.config.config.Env,
      workingDir: image.config.config.WorkingDir,
      uid: IMAGE_USER_ID,
      gid: IMAGE_USER_ID,
      readOnlyRootFilesystem: true,
      tmpfs: ['/tmp'],
      binds: [{ source: hosts, target: '/etc/hosts', readOnly: true }],
    });
    containers.push(c);
    expect(await c.exited).toBe(0);
    const facts = JSON.parse(c.output().trim().split('\n').pop()!);
    expect(facts).toEqual({
      v: `v${NODE_VERSION}`,
      arch: 'x64',
      uid: IMAGE_USER_ID,
      gid: IMAGE_USER_ID,
      groups: [IMAGE_USER_ID],
      user: 'nonroot',
      ro: 'EROFS',
      caps: '0000000000000000',
      pid: 1,
      address: '10.96.0.1',
      tlsRoots: true,
    });
  });

  test('starts from the construct\'s Deployment (in-cluster config, then --kubeconfig), reconciles a GitRepository on a signed GitHub push, exits 0 on SIGTERM', async () => {
    // What the construct renders for one GitHub receiver.
    const ns = await createTestNamespace('image');
    const token = randomBytes(24).toString('hex');
    const chart = new Chart(new App(), 'webhooks', { namespace: ns });
    const repo = new GitRepository(chart, 'Webapp', { metadata: { name: 'webapp' }, url: 'https://github.com/org/webapp', ref: GitRef.branch('main') });
    const receiver = new WebhookReceiver(chart, 'Receiver');
    receiver.addReceiver('github-receiver', {
      provider: ReceiverProvider.github({ events: ['ping', 'push'] }),
      secret: kplus.Secret.fromSecretName(chart, 'Token', 'webhook-token'),
      targets: [ReconcileTarget.fromApiObject(repo)],
    });
    const objects: ManifestObject[] = chart.toJson();
    const deployment: any = objects.find((o) => o.kind === 'Deployment');
    const pod = deployment.spec.template.spec;
    const container = pod.containers[0];
    expect(container.image).toBe(build.refNames[0]);

    // The cluster side: the construct's ServiceAccount and least-privilege RBAC, and the target.
    await apply(objects.filter((o) => ['ServiceAccount', 'Role', 'RoleBinding', 'ConfigMap', 'GitRepository'].includes(o.kind)), ns);
    const saToken = await serviceAccountToken(ns, pod.serviceAccountName);

    // The kubelet side: volumes as files, with the pod's fsGroup and the Secret's defaultMode.
    const fsGroup = pod.securityContext.fsGroup;
    const binds = [];
    for (const mount of container.volumeMounts) {
      const volume = pod.volumes.find((v: any) => v.name === mount.name);
      if (volume.emptyDir) continue;
      const dir = join(work, 'volumes', mount.name);
      fs.mkdirSync(dir, { recursive: true });
      if (volume.configMap) {
        const cm: any = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === volume.configMap.name);
        for (const [key, value] of Object.entries(cm.data)) fs.writeFileSync(join(dir, key), value as string, { mode: 0o644 });
      } else if (volume.secret) {
        expect(volume.secret.secretName).toBe('webhook-token');
        const file = join(dir, 'token');
        fs.writeFileSync(file, token);
        fs.chownSync(file, 0, fsGroup);
        fs.chmodSync(file, volume.secret.defaultMode);
      } else {
        throw new Error(`volume ${mount.name} of an unexpected type: ${JSON.stringify(volume)}`);
      }
      binds.push({ source: dir, target: mount.mountPath, readOnly: mount.readOnly ?? false });
    }
    const tmpfs = container.volumeMounts.filter((m: any) => pod.volumes.find((v: any) => v.name === m.name).emptyDir).map((m: any) => m.mountPath);
    expect(tmpfs).toEqual(['/tmp']);

    // The projected ServiceAccount volume and the in-cluster environment of the test apiserver.
    const cluster = adminKubeConfig().getCurrentCluster()!;
    const api = new URL(cluster.server);
    const saDir = join(work, 'volumes', 'kube-api-access');
    fs.mkdirSync(saDir, { recursive: true });
    fs.writeFileSync(join(saDir, 'token'), saToken);
    fs.writeFileSync(join(saDir, 'ca.crt'), Buffer.from(cluster.caData!, 'base64'));
    fs.writeFileSync(join(saDir, 'namespace'), ns);
    for (const f of fs.readdirSync(saDir)) {
      fs.chownSync(join(saDir, f), 0, fsGroup);
      fs.chmodSync(join(saDir, f), 0o440);
    }
    binds.push({ source: saDir, target: SA_DIR, readOnly: true });

    // Listeners on free loopback ports: the test shares the host network with other tests.
    const [webhookPort, metricsPort, healthPort] = [await freePort(), await freePort(), await freePort()];
    let args: string[] = container.args;
    args = withFlag(args, SERVER_FLAGS.listen.flag, `127.0.0.1:${webhookPort}`);
    args = withFlag(args, SERVER_FLAGS.metricsListen.flag, `127.0.0.1:${metricsPort}`);
    args = withFlag(args, SERVER_FLAGS.healthListen.flag, `127.0.0.1:${healthPort}`);
    const spec = {
      rootfs,
      argv: [...image.config.config.Entrypoint, ...args],
      env: [...image.config.config.Env, ...(container.env ?? []).map((e: any) => `${e.name}=${e.value}`),
        `KUBERNETES_SERVICE_HOST=${api.hostname}`, `KUBERNETES_SERVICE_PORT=${api.port}`],
      workingDir: image.config.config.WorkingDir,
      uid: container.securityContext.runAsUser,
      gid: container.securityContext.runAsGroup,
      readOnlyRootFilesystem: container.securityContext.readOnlyRootFilesystem,
      binds,
      tmpfs,
    };
    const grace = (pod.terminationGracePeriodSeconds ?? 30) * 1000;

    // The same pod once more with `--kubeconfig` (a file with the ServiceAccount token and the CA) instead of in-cluster config.
    const kubeconfigDir = join(work, 'volumes', 'kubeconfig');
    fs.mkdirSync(kubeconfigDir, { recursive: true });
    writeKubeconfig(kubeConfigForToken(saToken), join(kubeconfigDir, 'config'));
    fs.chownSync(join(kubeconfigDir, 'config'), 0, fsGroup);
    fs.chmodSync(join(kubeconfigDir, 'config'), 0o440);
    const kubeconfigSpec = {
      ...spec,
      argv: [...spec.argv, SERVER_FLAGS.kubeconfig.flag, '/etc/flux-webhooks/kubeconfig/config'],
      env: spec.env.filter((e) => !e.startsWith('KUBERNETES_SERVICE_')),
      binds: [...binds.filter((b) => b.target !== SA_DIR), { source: kubeconfigDir, target: '/etc/flux-webhooks/kubeconfig', readOnly: true }],
    };
    const gitRepositoryPath = `/apis/source.toolkit.fluxcd.io/v1/namespaces/${ns}/gitrepositories/webapp`;
    const path = hookPath(token, 'github-receiver', ns);
    const body = JSON.stringify({ ref: 'refs/heads/main', after: 'b'.repeat(40), repository: { full_name: 'org/webapp', html_url: 'https://github.com/org/webapp' } });
    const signature = `sha256=${createHmac('sha256', token).update(body).digest('hex')}`;

    const runs = [
      { spec, webhook: false }, { spec, webhook: false }, { spec, webhook: true }, // in-cluster config; cold starts measured
      { spec: kubeconfigSpec, webhook: true },
    ];
    const coldStarts: number[] = [];
    for (const run of runs) {
      const started = Date.now();
      const c = startContainer(run.spec);
      containers.push(c);
      let exitCode: number | undefined;
      void c.exited.then((code) => (exitCode = code));
      await eventually(`/readyz of the receiver (output: ${c.output()})`, async () => {
        if (exitCode !== undefined) throw new Error(`the receiver exited with ${exitCode}: ${c.output()}`);
        const res = await httpRequest(healthPort, '/readyz');
        return res.status === 200 ? true : undefined;
      }, 30_000);
      if (run.spec === spec) coldStarts.push(Date.now() - started);

      if (run.webhook) {
        const cleared = await kubeRequest(adminKubeConfig(), 'PATCH', gitRepositoryPath, { metadata: { annotations: { [REQUESTED_AT]: null } } }, 'application/merge-patch+json');
        expect(cleared.status).toBe(200);
        const res = await httpRequest(webhookPort, path, 'POST', {
          'Content-Type': 'application/json',
          'X-GitHub-Event': 'push',
          'X-GitHub-Delivery': randomBytes(16).toString('hex'),
          'X-Hub-Signature-256': signature,
        }, body);
        expect(res.status).toBe(200);
        const annotated = await eventually('GitRepository webapp annotated with requestedAt', async () => {
          const r = await kubeRequest(adminKubeConfig(), 'GET', gitRepositoryPath);
          return r.body?.metadata?.annotations?.[REQUESTED_AT];
        });
        expect(Number.isNaN(Date.parse(annotated))).toBe(false);
        // A wrong signature is refused.
        const forged = await httpRequest(webhookPort, path, 'POST', {
          'Content-Type': 'application/json', 'X-GitHub-Event': 'push', 'X-Hub-Signature-256': `sha256=${'0'.repeat(64)}`,
        }, body);
        // Flux answers a bad signature with 400 (a 500 would be a failure, not a refusal).
        expect(forged.status).toBe(400);
        const metrics = await httpRequest(metricsPort, '/metrics');
        expect(metrics.status).toBe(200);
        // Secrets stay out of logs and metrics: neither the token nor the hook path appears.
        for (const text of [c.output(), metrics.body]) {
          expect(text).not.toContain(token);
          expect(text).not.toContain(path.slice('/hook/'.length));
        }
      }

      const stopping = Date.now();
      c.signal('SIGTERM');
      const code = await Promise.race([c.exited, new Promise<string>((r) => setTimeout(() => r('still running after the grace period'), grace).unref())]);
      expect({ code, output: code === 0 ? '' : c.output() }).toEqual({ code: 0, output: '' });
      expect(Date.now() - stopping).toBeLessThan(grace);
    }
    process.stdout.write(`image: cold start to /readyz ${coldStarts.join(', ')} ms (median ${median(coldStarts)} ms)\n`);
  }, 180_000);
});

describe('the arm64 image', () => {
  test('runs its node under qemu-user (amd64 hosts) or natively (arm64 hosts) and reports arm64', () => {
    const image = readImage(DEFAULT_OUT_DIR, imageRefName(), 'arm64');
    const rootfs = join(work, 'rootfs-arm64');
    unpackImage(DEFAULT_OUT_DIR, image, rootfs);
    const script = ['-p', 'process.version + " " + process.arch'];
    const out = process.arch === 'arm64'
      ? execFileSync('chroot', [rootfs, NODE_PATH, ...script], { encoding: 'utf8' })
      : execFileSync(qemuAarch64(), ['-L', rootfs, join(rootfs, NODE_PATH), ...script], { encoding: 'utf8' });
    expect(out.trim()).toBe(`v${NODE_VERSION} arm64`);
  }, 300_000);
});
