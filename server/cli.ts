// Command line of `flux-webhook-receiver`: flags and their environment variables come from the
// shared server contract (src/model), so the constructs render exactly what this parses.
import { CommandSpec, parseBoolean, parseFlags, SUBCOMMANDS, UsageError } from './commands';
import { parseRateLimit, RateLimitSpec, SERVER_BINARY, SERVER_FLAGS } from '../src/model';
import { LOG_LEVELS, LogLevel } from './observability/logger';
import { parseGoDuration } from './wire/go-duration';

/** Longer windows would only hold memory: senders redeliver within hours at most. */
const MAX_DUPLICATE_WINDOW_MS = 24 * 3_600_000;

export interface ServeOptions {
  readonly listen: string;
  readonly metricsListen: string;
  readonly healthListen: string;
  /** A file or a directory of receiver definitions (files mode). */
  readonly receivers?: string;
  /** Mounted Secrets: `<dir>/<secretName>/<key>`. */
  readonly secretsDir?: string;
  /** Cluster mode: watch Receiver objects instead of reading files. */
  readonly watchReceivers: boolean;
  /** Namespace of file receivers that name none; in cluster mode, the only namespace watched. */
  readonly namespace?: string;
  /** Cluster mode: GET each referenced Secret by name instead of list/watching all Secrets. */
  readonly secretsByName: boolean;
  /** Files mode: read each Secret a receiver names through the kubeconfig instead of a secrets directory. */
  readonly secretsFromCluster: boolean;
  readonly kubeconfig?: string;
  readonly noCrossNamespaceRefs: boolean;
  readonly logLevel: LogLevel;
  /** Redelivery window in ms; 0: off. */
  readonly duplicateWindowMs: number;
  /** Default limit of verified deliveries per receiver (undefined: off); a Receiver annotation overrides it. */
  readonly rateLimit?: RateLimitSpec;
  /** The same for `generic` receivers, which have no signature. */
  readonly genericRateLimit?: RateLimitSpec;
  /** Answer every delivery with a short JSON report, not only those sent with `Accept: application/json`. */
  readonly jsonAnswers: boolean;
  /** Record Kubernetes Events (extension; off by default). */
  readonly recordEvents: boolean;
}

export type Command =
  | { readonly kind: 'serve'; readonly options: ServeOptions }
  | { readonly kind: 'help' }
  | { readonly kind: 'version' }
  /** `token`, `url`, `send`, `register`: their own flags and `--help` (server/commands/). */
  | { readonly kind: 'subcommand'; readonly name: string; readonly args: readonly string[] };

export { UsageError };

type FlagName = keyof typeof SERVER_FLAGS;
const BOOLEAN_FLAGS: ReadonlySet<FlagName> = new Set<FlagName>(['watchReceivers', 'secretsByName', 'secretsFromCluster', 'noCrossNamespaceRefs', 'jsonAnswers', 'recordEvents']);

const DESCRIPTIONS: Record<FlagName, string> = {
  listen: 'address of the webhook listener ([host]:port)',
  metricsListen: 'address of the Prometheus /metrics listener',
  healthListen: 'address of the /healthz and /readyz listener',
  receivers: 'a Receiver YAML/JSON file, or a directory of *.yaml|*.yml|*.json files (files mode); a cdk8s synth output (dist/) works too: '
    + 'Receivers inside ConfigMaps are read, other objects skipped',
  secretsDir: 'directory of mounted Secrets, laid out as <dir>/<secretName>/<key>',
  watchReceivers: 'cluster mode: watch Receiver objects through the Kubernetes API instead of files',
  namespace: 'namespace of file receivers that name none; in cluster mode the only namespace watched',
  secretsFromCluster: 'files mode: read each Secret a receiver names by name through the kubeconfig (GET), instead of --secrets-dir; re-read every 30 s',
  secretsByName: 'cluster mode: read only the Secrets Receivers reference, by name (RBAC get with resourceNames); re-read every 30 s',
  kubeconfig: 'kubeconfig file (default: in-cluster ServiceAccount, then ~/.kube/config)',
  noCrossNamespaceRefs: 'refuse resources[].namespace different from the Receiver\'s namespace',
  logLevel: `log level: ${LOG_LEVELS.join(', ')}`,
  duplicateWindow: 'answer copies of a succeeded delivery (same sender delivery id and body) within this window with 200 and no new patch; 0 turns it off',
  rateLimit: 'verified deliveries per receiver: <n>/<s|m|h>[,burst=<n>] or off; over it: 429 with Retry-After',
  genericRateLimit: 'the same for generic receivers (no signature: the URL is the only secret)',
  jsonAnswers: 'answer every delivery with a short JSON report (otherwise only requests with Accept: application/json)',
  recordEvents: 'record a Kubernetes Event on each target a delivery reconciles (and, in cluster mode, a Warning on a Receiver whose patch failed)',
};

/** `serve`'s flags for the one flag parser (server/commands/flags.ts). */
const SERVE: CommandSpec = {
  name: 'serve',
  summary: 'serve Flux notification-controller compatible webhook receivers (/hook/<sha256>); its flags below',
  synopsis: ['serve [flags]'],
  description: [],
  flags: (Object.entries(SERVER_FLAGS) as [FlagName, (typeof SERVER_FLAGS)[FlagName]][]).map(([name, def]) => ({
    name: longName(def.flag),
    value: BOOLEAN_FLAGS.has(name) ? undefined : '<value>',
    help: DESCRIPTIONS[name],
  })),
  examples: [],
};

/** The `--help` text: the commands first, then the flags of `serve`. */
export function usage(): string {
  const commands: [string, string][] = [
    [SERVE.name, SERVE.summary],
    ...Object.entries(SUBCOMMANDS).map(([name, sub]): [string, string] => [name, sub.summary]),
  ];
  const lines = [
    `Usage: ${SERVER_BINARY} <command> [flags]`,
    '',
    'Commands:',
    ...commands.map(([name, summary]) => `  ${`${SERVER_BINARY} ${name}`.padEnd(34)} ${summary}`),
    '',
    `Run "${SERVER_BINARY} <command> --help" for the flags of ${Object.keys(SUBCOMMANDS).join(', ')}.`,
    '',
    `Usage: ${SERVER_BINARY} serve [flags]`,
    '',
    'Serves Flux notification-controller compatible webhook receivers (/hook/<sha256>).',
    'Every flag can also be set through its environment variable; a flag wins over its variable.',
    '',
    'Flags:',
  ];
  for (const [name, def] of Object.entries(SERVER_FLAGS) as [FlagName, (typeof SERVER_FLAGS)[FlagName]][]) {
    const value = BOOLEAN_FLAGS.has(name) ? '' : ' <value>';
    const dflt = def.default === '' ? '' : ` (default ${def.default})`;
    lines.push(`  ${(def.flag + value).padEnd(34)} ${DESCRIPTIONS[name]}${dflt}`, `  ${''.padEnd(34)} env ${def.env}`);
  }
  lines.push(`  ${'--help, -h'.padEnd(34)} print this help`, `  ${'--version'.padEnd(34)} print the version`);
  return lines.join('\n') + '\n';
}

/** Parses `argv` (without node and script) and `env` into a command. Throws UsageError. */
export function parseCommandLine(argv: readonly string[], env: NodeJS.ProcessEnv): Command {
  if (argv.length > 0 && Object.hasOwn(SUBCOMMANDS, argv[0])) return { kind: 'subcommand', name: argv[0], args: argv.slice(1) };
  if (argv.includes('--help') || argv.includes('-h') || argv[0] === 'help') return { kind: 'help' };
  if (argv.includes('--version') || argv[0] === 'version') return { kind: 'version' };
  const [command, ...rest] = argv;
  if (command !== 'serve') {
    throw new UsageError(command === undefined ? `missing command: use ${commandNames()}` : `unknown command "${command}": use ${commandNames()}`);
  }
  const flags = parseFlags(SERVE, rest);
  const raw = (name: FlagName): { value: string; source: string } => {
    const def = SERVER_FLAGS[name];
    const given = flags.value(longName(def.flag));
    if (given !== undefined) return { value: given, source: def.flag };
    const fromEnv = env[def.env];
    if (fromEnv !== undefined && fromEnv !== '') return { value: fromEnv, source: `environment variable ${def.env}` };
    return { value: def.default, source: `default of ${def.flag}` };
  };
  const bool = (name: FlagName): boolean => {
    const given = flags.switch(longName(SERVER_FLAGS[name].flag));
    if (given !== undefined) return given;
    const { value, source } = raw(name);
    return parseBoolean(source, value);
  };
  const address = (name: FlagName): string => {
    const { value, source } = raw(name);
    if (!/^(\[[0-9a-fA-F:.]+\]|[^:\s]*):\d{1,5}$/.test(value) || Number(value.slice(value.lastIndexOf(':') + 1)) > 65535) {
      throw new UsageError(`${source}: "${value}" is not a listen address (use [host]:port, e.g. :9292)`);
    }
    return value;
  };
  const optional = (name: FlagName): string | undefined => raw(name).value || undefined;
  const rateLimit = (name: FlagName): RateLimitSpec | undefined => {
    const { value, source } = raw(name);
    const parsed = parseRateLimit(value);
    if ('problem' in parsed) throw new UsageError(`${source}: ${parsed.problem}`);
    return parsed.limit;
  };

  const logLevel = raw('logLevel');
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel.value)) {
    throw new UsageError(`${logLevel.source}: "${logLevel.value}" is not a log level (use one of ${LOG_LEVELS.join(', ')})`);
  }
  const duplicateWindow = raw('duplicateWindow');
  const duplicateWindowMs = parseGoDuration(duplicateWindow.value);
  if (duplicateWindowMs === undefined || duplicateWindowMs > MAX_DUPLICATE_WINDOW_MS) {
    throw new UsageError(`${duplicateWindow.source}: "${duplicateWindow.value}" is not a duration from 0 to 24h (use e.g. 5m, 30s or 0 to turn it off)`);
  }
  const options: ServeOptions = {
    listen: address('listen'),
    metricsListen: address('metricsListen'),
    healthListen: address('healthListen'),
    receivers: optional('receivers'),
    secretsDir: optional('secretsDir'),
    watchReceivers: bool('watchReceivers'),
    namespace: optional('namespace'),
    secretsByName: bool('secretsByName'),
    secretsFromCluster: bool('secretsFromCluster'),
    kubeconfig: optional('kubeconfig'),
    noCrossNamespaceRefs: bool('noCrossNamespaceRefs'),
    logLevel: logLevel.value as LogLevel,
    duplicateWindowMs,
    rateLimit: rateLimit('rateLimit'),
    genericRateLimit: rateLimit('genericRateLimit'),
    jsonAnswers: bool('jsonAnswers'),
    recordEvents: bool('recordEvents'),
  };
  if (options.watchReceivers && options.receivers) {
    throw new UsageError(`${SERVER_FLAGS.receivers.flag} and ${SERVER_FLAGS.watchReceivers.flag} exclude each other: pick files or cluster mode`);
  }
  if (options.secretsByName && !options.watchReceivers) {
    throw new UsageError(`${SERVER_FLAGS.secretsByName.flag} needs ${SERVER_FLAGS.watchReceivers.flag}: in files mode Secrets are mounted files`);
  }
  if (options.secretsFromCluster && (options.watchReceivers || options.secretsDir)) {
    throw new UsageError(`${SERVER_FLAGS.secretsFromCluster.flag} is for files mode without ${SERVER_FLAGS.secretsDir.flag}: drop one of them`);
  }
  if (!options.watchReceivers && !options.receivers) {
    throw new UsageError(`no receivers: set ${SERVER_FLAGS.receivers.flag} <file|dir> (env ${SERVER_FLAGS.receivers.env}) or ${SERVER_FLAGS.watchReceivers.flag}`);
  }
  return { kind: 'serve', options };
}

function commandNames(): string {
  return ['serve', ...Object.keys(SUBCOMMANDS)].map((c) => `"${c}"`).join(', ');
}

/** `--listen` → `listen`: the parser keys flags by their long name. */
function longName(flag: string): string {
  return flag.slice(2);
}
