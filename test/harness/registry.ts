// An OCI registry on loopback: the CNCF distribution registry (built by registry/build.sh) over
// plain HTTP with its storage in a temporary directory. `pushArtifact` writes a Flux artifact
// (a tar+gzip layer of the media types `flux push artifact` uses) through the registry's HTTP API,
// so the tests need no OCI client besides the registry itself.
import { ChildProcess, execFileSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { freePort, launch, stopProcess, tail, waitUntil } from './apiserver';

/** What `flux push artifact` writes: an OCI manifest whose config and one layer carry Flux's types. */
export const FLUX_CONFIG_MEDIA_TYPE = 'application/vnd.cncf.flux.config.v1+json';
export const FLUX_CONTENT_MEDIA_TYPE = 'application/vnd.cncf.flux.content.v1.tar+gzip';

export interface PushedArtifact {
  /** `sha256:<hex>` of the manifest. */
  readonly digest: string;
  readonly tag: string;
}

export interface LoopbackRegistry {
  /** `127.0.0.1:<port>`, as an image reference's host. */
  readonly host: string;
  readonly logFile: string;
  /** Pushes `files` (name → content) as a Flux artifact to `<repository>:<tag>`. */
  pushArtifact(repository: string, tag: string, files: Record<string, string>): Promise<PushedArtifact>;
  died(): string | undefined;
  stop(): Promise<void>;
}

/** Builds the registry if it is not cached (registry/build.sh) and returns the binary. */
export function registryBinary(): string {
  const out = execFileSync('bash', [path.join(__dirname, 'registry', 'build.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  return path.join(out.trim().split('\n').pop()!, 'registry');
}

export async function startRegistry(workDir: string = fs.mkdtempSync(path.join(os.tmpdir(), 'registry-'))): Promise<LoopbackRegistry> {
  const binary = registryBinary();
  const port = await freePort();
  const storage = path.join(workDir, 'registry-storage');
  fs.mkdirSync(storage, { recursive: true });
  const config = path.join(workDir, 'registry.yaml');
  fs.writeFileSync(config, [
    'version: 0.1',
    'log:',
    '  level: warn',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${JSON.stringify(storage)}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: 127.0.0.1:${port}`,
    '',
  ].join('\n'));
  const logFile = path.join(workDir, 'registry.log');
  // No traces leave the machine: the registry's OpenTelemetry exporter is off.
  const child: ChildProcess = launch(binary, ['serve', config], logFile, { ...process.env, OTEL_TRACES_EXPORTER: 'none' });
  const host = `127.0.0.1:${port}`;
  const died = () => (child.exitCode !== null || child.signalCode !== null ? `registry exited (${child.exitCode ?? child.signalCode}):\n${tail(logFile)}` : undefined);
  await waitUntil('the registry answers /v2/', 30_000, async () => {
    try {
      return (await fetch(`http://${host}/v2/`)).status === 200;
    } catch {
      return false;
    }
  }, died);

  const putBlob = async (repository: string, content: Buffer): Promise<string> => {
    const digest = `sha256:${createHash('sha256').update(content).digest('hex')}`;
    const start = await fetch(`http://${host}/v2/${repository}/blobs/uploads/`, { method: 'POST' });
    if (start.status !== 202) throw new Error(`registry: starting a blob upload to ${repository} answered ${start.status}: ${await start.text()}`);
    const location = new URL(start.headers.get('location')!, `http://${host}`);
    location.searchParams.set('digest', digest);
    const put = await fetch(location, { method: 'PUT', body: content, headers: { 'content-type': 'application/octet-stream' } });
    if (put.status !== 201) throw new Error(`registry: uploading ${digest} answered ${put.status}: ${await put.text()}`);
    return digest;
  };

  return {
    host,
    logFile,
    died,
    stop: () => stopProcess(child),
    async pushArtifact(repository, tag, files) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'artifact-'));
      for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), content);
      const layer = execFileSync('tar', ['-czf', '-', '-C', dir, ...Object.keys(files)]);
      fs.rmSync(dir, { recursive: true, force: true });
      const configBlob = Buffer.from('{}');
      const layerDigest = await putBlob(repository, layer);
      const configDigest = await putBlob(repository, configBlob);
      const manifest = Buffer.from(JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: FLUX_CONFIG_MEDIA_TYPE, digest: configDigest, size: configBlob.length },
        layers: [{ mediaType: FLUX_CONTENT_MEDIA_TYPE, digest: layerDigest, size: layer.length }],
        annotations: { 'org.opencontainers.image.created': new Date().toISOString() },
      }));
      const put = await fetch(`http://${host}/v2/${repository}/manifests/${tag}`, {
        method: 'PUT', body: manifest, headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
      });
      if (put.status !== 201) throw new Error(`registry: putting ${repository}:${tag} answered ${put.status}: ${await put.text()}`);
      return { digest: `sha256:${createHash('sha256').update(manifest).digest('hex')}`, tag };
    },
  };
}
