// Runs the real receiver server in-process for tests: files mode over a temporary directory,
// the real kube client against the harness's apiserver, logs captured as parsed JSON lines.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { KubeConfig } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { ReceiverServer } from '../../server/app/receiver-server';
import { KubeClient, ObjectRef } from '../../server/kube/kube-client';
import { createLogger } from '../../server/observability/logger';
import type { RateLimitDefaults } from '../../server/pipeline/rate-limiter';
import type { AnnotationPatcher } from '../../server/pipeline/webhook-pipeline';
import { providerFor } from '../../server/providers';
import type { TokenVerifier } from '../../server/providers/provider';
import { FileReceiverSource } from '../../server/receivers/files/file-receiver-source';
import { GoogleIdTokenVerifier, OidcTokenVerifier } from '../../server/verifiers';
import { hookPath, RECONCILE_REQUESTED_AT_ANNOTATION } from '../../src/model';
import { send } from '../harness/http';
import { adminKubeConfig, apply, createTestNamespace, kubeRequest } from '../harness/kube';

export { send, type Sent } from '../harness/http';

export interface FixtureOptions {
  readonly noCrossNamespaceRefs?: boolean;
  readonly kubeConfig?: KubeConfig;
  readonly defaultNamespace?: string;
  readonly google?: TokenVerifier;
  /** Redelivery window (ms); off when unset. */
  readonly duplicateWindowMs?: number;
  /** Server-wide rate limits (none unless given, unlike the CLI). */
  readonly rateLimits?: RateLimitDefaults;
  readonly jsonAnswers?: boolean;
  readonly recordEvents?: boolean;
}

/** Wraps the real KubeClient and counts the patches that went through it. */
export class CountingPatcher implements AnnotationPatcher {
  readonly calls: ObjectRef[] = [];
  readonly started: number[] = [];
  /** When set, patches wait for it before reaching the apiserver (to keep a delivery in flight). */
  hold?: Promise<void>;
  /** When each call succeeded (same index as `started`); undefined while pending or after a failure. */
  readonly succeeded: (number | undefined)[] = [];
  /** Extra time each patch takes before it is sent (tests that need bursts to overlap a patch). */
  delayMs = 0;
  constructor(private readonly inner: AnnotationPatcher) {}
  async patchAnnotations(ref: ObjectRef, annotations: Record<string, string>, signal?: AbortSignal): Promise<void> {
    const index = this.calls.push(ref) - 1;
    this.started.push(Date.now());
    this.succeeded.push(undefined);
    if (this.hold) await this.hold;
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    await this.inner.patchAnnotations(ref, annotations, signal);
    this.succeeded[index] = Date.now();
  }
}

export class ServerFixture {
  static async start(options: FixtureOptions = {}): Promise<ServerFixture> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'receiver-server-'));
    return new ServerFixture(dir, options);
  }

  readonly receiversDir: string;
  readonly secretsDir: string;
  readonly logs: Record<string, any>[] = [];
  readonly kube: KubeClient;
  readonly patcher: CountingPatcher;
  server?: ReceiverServer;
  private source?: FileReceiverSource;

  private constructor(readonly dir: string, private readonly options: FixtureOptions) {
    this.receiversDir = path.join(dir, 'receivers');
    this.secretsDir = path.join(dir, 'secrets');
    fs.mkdirSync(this.receiversDir);
    fs.mkdirSync(this.secretsDir);
    this.kube = new KubeClient(options.kubeConfig ?? adminKubeConfig());
    this.patcher = new CountingPatcher(this.kube);
  }

  writeReceivers(file: string, docs: readonly unknown[]): void {
    fs.writeFileSync(path.join(this.receiversDir, file), docs.map((d) => stringify(d)).join('---\n'));
  }

  writeSecret(name: string, data: Record<string, string>): void {
    const dir = path.join(this.secretsDir, name);
    fs.mkdirSync(dir, { recursive: true });
    for (const [k, v] of Object.entries(data)) fs.writeFileSync(path.join(dir, k), v);
  }

  removeSecret(name: string): void {
    fs.rmSync(path.join(this.secretsDir, name), { recursive: true, force: true });
  }

  async listen(): Promise<void> {
    const log = createLogger('debug', (line) => this.logs.push(JSON.parse(line)));
    this.source = new FileReceiverSource({
      receivers: this.receiversDir,
      secretsDir: this.secretsDir,
      defaultNamespace: this.options.defaultNamespace ?? 'default',
      log,
      debounceMs: 50,
      pollMs: 60_000,
    });
    this.server = await ReceiverServer.start(
      {
        listen: '127.0.0.1:0',
        metricsListen: '127.0.0.1:0',
        healthListen: '127.0.0.1:0',
        policy: { noCrossNamespaceRefs: this.options.noCrossNamespaceRefs ?? false },
        rateLimits: this.options.rateLimits,
        jsonAnswers: this.options.jsonAnswers,
        recordEvents: this.options.recordEvents,
        duplicateWindowMs: this.options.duplicateWindowMs,
      },
      {
        source: this.source,
        kube: this.kube,
        patcher: this.patcher,
        providerFor,
        verifiers: { oidc: new OidcTokenVerifier(), google: this.options.google ?? new GoogleIdTokenVerifier() },
        log,
      },
    );
  }

  /** Waits until /readyz answers 200 (receivers loaded, caches synced). */
  async ready(timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.server!.readiness().ready) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`server not ready: ${this.server!.readiness().reasons.join('; ')}`);
  }

  get fileSource(): FileReceiverSource {
    return this.source!;
  }

  url(p: string): string {
    return `http://127.0.0.1:${this.server!.ports.webhook}${p}`;
  }

  /** What the metrics endpoint serves now (Prometheus text format). */
  metrics(): Promise<string> {
    return metricsText(this.server!.ports.metrics);
  }

  async stop(): Promise<void> {
    await this.server?.shutdown(1000);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A test namespace with GitRepositories, and a ready server serving Receivers in it from files. */
export interface ServedSetup {
  /** The start of the test namespace's name. */
  readonly namespace: string;
  /** Names of the GitRepositories to create in it. */
  readonly gitRepositories: readonly string[];
  /** Secret name → token, mounted as files. */
  readonly tokens: Readonly<Record<string, string>>;
  /** The Receivers to serve, given the namespace. */
  readonly receivers: (ns: string) => readonly unknown[];
  /** Server options besides `defaultNamespace` (the namespace), given the namespace. */
  readonly options?: (ns: string) => FixtureOptions | Promise<FixtureOptions>;
}

/** Creates what `setup` names and starts the server; resolves once it is ready. */
export async function startServed(setup: ServedSetup): Promise<{ ns: string; fixture: ServerFixture }> {
  const ns = await createTestNamespace(setup.namespace);
  await createGitRepositories(ns, setup.gitRepositories.map((name) => ({ name })));
  const fixture = await ServerFixture.start({ defaultNamespace: ns, ...(await setup.options?.(ns)) });
  for (const [name, token] of Object.entries(setup.tokens)) fixture.writeSecret(name, { token });
  fixture.writeReceivers('receivers.yaml', setup.receivers(ns));
  await fixture.listen();
  await fixture.ready();
  return { ns, fixture };
}

/** What the metrics endpoint on `port` serves now (Prometheus text format). */
export async function metricsText(port: number): Promise<string> {
  const sent = await send(`http://127.0.0.1:${port}/metrics`, { method: 'GET' });
  if (sent.status !== 200) throw new Error(`GET /metrics: HTTP ${sent.status}`);
  return sent.body;
}

export function receiverPath(token: string, name: string, namespace: string): string {
  return hookPath(token, name, namespace);
}

export interface TargetSpec {
  readonly name: string;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
}

export function gitRepository(name: string, namespace: string, extra: Omit<TargetSpec, 'name'> = {}) {
  return {
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    kind: 'GitRepository',
    metadata: { name, namespace, ...extra },
    spec: { url: `https://example.com/${name}`, interval: '1h', ref: { branch: 'main' } },
  };
}

export async function createGitRepositories(namespace: string, specs: readonly TargetSpec[]): Promise<void> {
  await apply(specs.map((s) => gitRepository(s.name, namespace, { labels: s.labels, annotations: s.annotations })));
}

/** The requestedAt annotation of a GitRepository, or undefined. */
export async function requestedAt(namespace: string, name: string): Promise<string | undefined> {
  const res = await kubeRequest(adminKubeConfig(), 'GET', `/apis/source.toolkit.fluxcd.io/v1/namespaces/${namespace}/gitrepositories/${name}`);
  if (res.status !== 200) throw new Error(`GET GitRepository ${namespace}/${name}: HTTP ${res.status}`);
  return res.body.metadata.annotations?.[RECONCILE_REQUESTED_AT_ANNOTATION];
}

export function receiver(name: string, namespace: string | undefined, spec: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return { apiVersion: 'notification.toolkit.fluxcd.io/v1', kind: 'Receiver', metadata: { name, ...(namespace ? { namespace } : {}), ...extra }, spec };
}

