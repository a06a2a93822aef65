// Entry point of `flux-webhook-receiver` (bundled into assets/receiver-server/server.cjs).
import * as fs from 'fs';
import { ReceiverServer } from './app/receiver-server';
import { parseCommandLine, ServeOptions, usage, UsageError } from './cli';
import { SUBCOMMANDS } from './commands';
import { KubeClient, loadKubeConfig } from './kube/kube-client';
import { createLogger, Logger } from './observability/logger';
import { quietDeprecations, routeProcessWarnings } from './observability/process-warnings';
import { providerFor } from './providers';
import type { TokenVerifier } from './providers/provider';
import { FileReceiverSource } from './receivers/files/file-receiver-source';
import type { ReceiverSource } from './receivers/receiver-source';

/** Exit codes: 0 clean shutdown, 1 runtime failure, 2 bad command line. */
const EXIT_USAGE = 2;

async function main(argv: readonly string[]): Promise<number> {
  let command;
  try {
    command = parseCommandLine(argv, process.env);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`error: ${err.message}\nRun "flux-webhook-receiver --help" for usage.\n`);
    return EXIT_USAGE;
  }
  if (command.kind === 'help') {
    process.stdout.write(usage());
    return 0;
  }
  if (command.kind === 'version') {
    process.stdout.write(`${process.env.FLUX_WEBHOOKS_VERSION ?? 'dev'}\n`);
    return 0;
  }
  if (command.kind === 'subcommand') {
    quietDeprecations();
    return subcommand(command.name, command.args);
  }
  const options = command.options;
  const log = createLogger(options.logLevel);
  routeProcessWarnings(log);
  let server: ReceiverServer;
  try {
    const kube = new KubeClient(loadKubeConfig(options.kubeconfig));
    server = await ReceiverServer.start(
      {
        listen: options.listen,
        metricsListen: options.metricsListen,
        healthListen: options.healthListen,
        policy: { noCrossNamespaceRefs: options.noCrossNamespaceRefs },
        duplicateWindowMs: options.duplicateWindowMs,
        rateLimits: { signed: options.rateLimit, generic: options.genericRateLimit },
        jsonAnswers: options.jsonAnswers,
        recordEvents: options.recordEvents,
      },
      {
        source: await source(options, kube, log),
        kube,
        providerFor,
        // jose is loaded when a generic-oidc or gcr delivery first needs a verifier.
        verifiers: {
          oidc: lazyVerifier(async () => new (await import('./verifiers/oidc-token-verifier')).OidcTokenVerifier()),
          google: lazyVerifier(async () => new (await import('./verifiers/google-id-token-verifier')).GoogleIdTokenVerifier()),
        },
        log,
      },
    );
  } catch (err) {
    log.error('cannot start', { error: err as Error });
    return 1;
  }
  return new Promise<number>((resolve) => {
    const stop = (signal: string): void => {
      log.info('signal received', { signal });
      server.shutdown().then(
        () => resolve(0),
        (err: Error) => {
          log.error('shutdown failed', { error: err });
          resolve(1);
        },
      );
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}

/** Runs a setup command (`token`, `url`, `send`, `register`): 0 done, 1 failed, 2 bad command line. */
async function subcommand(name: string, args: readonly string[]): Promise<number> {
  const run = await SUBCOMMANDS[name].load();
  // process.exit follows: let piped output (asynchronous on macOS) drain first.
  const flushed = (code: number): Promise<number> => new Promise((resolve) => process.stdout.write('', () => resolve(code)));
  try {
    return await flushed(await run(args, {
      stdout: (text) => process.stdout.write(text),
      stderr: (text) => process.stderr.write(text),
      env: process.env,
      readStdin: async () => {
        const chunks: Buffer[] = [];
        for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
        return Buffer.concat(chunks);
      },
    }));
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`error: ${err.message}\nRun "flux-webhook-receiver ${name} --help" for usage.\n`);
      return EXIT_USAGE;
    }
    process.stderr.write(`error: ${(err as Error).message}\n`);
    return 1;
  }
}

async function source(options: ServeOptions, kube: KubeClient, log: Logger): Promise<ReceiverSource> {
  if (options.watchReceivers) {
    // Loaded only in this mode (its idle RSS: docs/benchmarks.md, "Memory at rest").
    const { ClusterReceiverSource } = await import('./receivers/cluster/cluster-receiver-source');
    return new ClusterReceiverSource({
      kubeConfig: kube.config,
      namespace: options.namespace,
      statusWrites: 'auto',
      logger: log,
      secretReads: options.secretsByName ? 'get' : 'watch',
    });
  }
  const defaultNamespace = options.namespace ?? podNamespace() ?? 'default';
  return new FileReceiverSource({
    receivers: options.receivers!,
    secretsDir: options.secretsDir,
    readSecret: options.secretsFromCluster ? (namespace, name) => kube.getSecret(namespace, name) : undefined,
    defaultNamespace,
    log,
  });
}

/** A verifier whose implementation is created on its first use. */
function lazyVerifier(create: () => Promise<TokenVerifier>): TokenVerifier {
  let verifier: Promise<TokenVerifier> | undefined;
  return {
    verify: async (token, expected) => (await (verifier ??= create())).verify(token, expected),
  };
}

/** The namespace of the pod we run in (documents without a namespace belong to it). */
function podNamespace(): string | undefined {
  try {
    return fs.readFileSync('/var/run/secrets/kubernetes.io/serviceaccount/namespace', 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`fatal: ${err.stack ?? err.message}\n`);
    process.exit(1);
  },
);
