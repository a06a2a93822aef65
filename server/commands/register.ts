// `flux-webhook-receiver register`: creates or updates each receiver's webhook at its sender
// (GitHub, GitLab, Gitea/Forgejo, Bitbucket Cloud) so it posts to the receiver's URL with its secret and exactly its
// events; then asks the sender for a test delivery. The last step of the guide without a browser,
// and the sender's half of a token rotation (the newest verification key becomes the secret).
import * as fs from 'fs';
import { readGitRepositoryUrl, commandKubeConfig } from './_cluster';
import { CommandIo, commandHelp, CommandSpec, UsageError, exclusive, EXIT_FAILED, EXIT_OK, parseFlags, ParsedFlags } from './flags';
import { FoundReceiver, readSecretKey, receiverUrls, TokenSource } from './receiver-urls';
import { BITBUCKET_API, bitbucketSender, DesiredHook, ExistingHook, githubSender, GITHUB_API, giteaSender, gitlabSender, GITLAB_API, HookScope, redactHookPaths, SenderApi, SenderError, SenderOptions } from './senders';
import { RECEIVER_SELECTION_FLAGS, selectReceivers, tokenNote } from './url';
import { DEFAULT_API_VERSIONS, parseVerificationKeys, REGISTER_TYPES, SECRET_KEYS, SENDER_REPOSITORY_ANNOTATION, senderRepositoryProblem, SERVER_BINARY, VERIFICATION_KEYS_ANNOTATION } from '../../src/model';

/** The receiver types whose sender has a hook API `register` speaks, with where its token comes from. */
interface SenderKind {
  /** The environment variable holding the API token. */
  readonly env: string;
  /** The public service's API; undefined when there is none (Gitea). */
  readonly apiBase?: string;
  readonly make: (o: SenderOptions) => SenderApi;
  /** What the token needs, for the help and the missing-token error. */
  readonly scopes: string;
}

export const SENDERS: Readonly<Record<string, SenderKind>> = {
  github: { env: 'GITHUB_TOKEN', apiBase: GITHUB_API, make: githubSender, scopes: 'classic: admin:repo_hook (organisation hooks: admin:org_hook); fine-grained: Webhooks read and write' },
  gitlab: { env: 'GITLAB_TOKEN', apiBase: GITLAB_API, make: gitlabSender, scopes: 'api, and the Maintainer role (group hooks: Owner)' },
  gitea: { env: 'GITEA_TOKEN', make: giteaSender, scopes: 'write:repository (organisation hooks: write:organization), and admin rights on the repository' },
  bitbucket: { env: 'BITBUCKET_TOKEN', apiBase: BITBUCKET_API, make: bitbucketSender, scopes: 'a repository or workspace access token with the scope webhook' },
};

export const REGISTER_COMMAND: CommandSpec = {
  name: 'register',
  summary: 'create or update the webhook at GitHub, GitLab, Gitea or Bitbucket Cloud for each receiver (URL, secret, events)',
  synopsis: [
    'register [--base <url>] --receivers <file|dir> [-n <ns>] [--name <receiver>] [--repository <path> | --org <org>] [--dry-run] [--prune]',
    'register --base <url> --from-cluster [-n <ns>] [--name <receiver>] [--repository <path> | --org <org>] [--dry-run] [--prune]',
  ],
  description: [
    'For each github, gitlab, gitea and bitbucket (Bitbucket Cloud) receiver (found like `url` finds them), makes the sender post to the receiver\'s URL with its secret and exactly '
    + 'its events: a hook with that URL is updated in place when its events or settings differ, created when missing, and left alone otherwise; '
    + 'hooks with other URLs are never touched (except with --prune). After a create or update it asks the sender for a test delivery '
    + '(GitHub: ping; GitLab: test push) and prints the answer the receiver gave.',
    'The repository is the one the receiver\'s GitRepository targets point at, when their spec.url is on the sender\'s host; '
    + `--repository (owner/name; GitLab: group/project), the receiver's annotation ${SENDER_REPOSITORY_ANNOTATION} (the constructs' senderRepository) `
    + 'or --org (a GitHub organisation, GitLab group, Gitea organisation or Bitbucket workspace) names it instead.',
    'The sender\'s API token comes from GITHUB_TOKEN, GITLAB_TOKEN, GITEA_TOKEN or BITBUCKET_TOKEN, or from --api-token-file; it is never printed. '
    + `It needs: GitHub ${SENDERS.github.scopes}; GitLab ${SENDERS.gitlab.scopes}; Gitea ${SENDERS.gitea.scopes}; Bitbucket ${SENDERS.bitbucket.scopes}.`,
    'Senders never show a stored secret, so an existing hook keeps its secret unless something else changes or --update-secret is given. '
    + `The secret is the receiver's '${SECRET_KEYS.token}', or with verification keys (annotation ${VERIFICATION_KEYS_ANNOTATION}) the last listed key the Secret holds: `
    + 'to rotate, add the new key, run register --update-secret, watch the key metric, then retire the old key.',
  ],
  flags: [
    ...RECEIVER_SELECTION_FLAGS,
    { name: 'repository', value: '<path>', help: 'the repository whose hooks to manage: owner/name (GitLab: group/project); default: from the GitRepository targets' },
    { name: 'org', value: '<org>', help: 'manage the hook of a GitHub organisation, GitLab group, Gitea organisation or Bitbucket workspace instead of a repository' },
    { name: 'api-url', value: '<url>', help: `the sender's API: GitHub ${GITHUB_API} (GitHub Enterprise: https://<host>/api/v3); GitLab ${GITLAB_API} (self-managed: https://<host>); Gitea/Forgejo: https://<host> (required); Bitbucket Cloud ${BITBUCKET_API}` },
    { name: 'api-token-file', value: '<file>', help: 'read the sender\'s API token from a file (- for standard input) instead of the environment' },
    { name: 'dry-run', help: 'print the plan (create, update, unchanged, remove) and change nothing: only lists hooks' },
    { name: 'prune', help: 'also remove hooks that post to the same host\'s /hook/ path but to none of the selected receivers (their old URLs)' },
    { name: 'update-secret', help: 'write the secret to hooks that are otherwise unchanged (after a rotation; senders never show the stored one)' },
    { name: 'no-test', help: 'do not ask the sender for a test delivery after a create or update' },
    { name: 'max-wait', value: '<seconds>', help: 'longest wait for a sender\'s rate limit before giving up (default 60)' },
  ],
  examples: [
    '# with the API token in GITHUB_TOKEN (GITLAB_TOKEN, GITEA_TOKEN, BITBUCKET_TOKEN), e.g. export GITHUB_TOKEN=$(gh auth token):',
    'register --receivers dist/ --dry-run',
    'register --receivers dist/',
    'register --base https://flux-webhook.example.com --from-cluster -n flux-system --name webapp --org my-org',
    'register --receivers dist/ --api-url https://gitlab.example.com --repository platform/webapp',
  ],
};

type Action = 'create' | 'update' | 'unchanged' | 'remove';

interface Step {
  readonly action: Action;
  readonly scope: HookScope;
  readonly url: string;
  readonly receiver?: FoundReceiver;
  readonly hook?: DesiredHook;
  readonly id?: string;
  /** The Secret key whose value is the hook's secret. */
  readonly secretKey?: string;
  /** What differs, for an update. */
  readonly why?: readonly string[];
}

interface Wanted {
  readonly receiver: FoundReceiver;
  readonly hook: DesiredHook;
  readonly secretKey: string;
  readonly base: string;
}

export async function runRegister(argv: readonly string[], io: CommandIo): Promise<number> {
  const flags = parseFlags(REGISTER_COMMAND, argv);
  if (flags.help) {
    io.stdout(commandHelp(SERVER_BINARY, REGISTER_COMMAND));
    return EXIT_OK;
  }
  exclusive(REGISTER_COMMAND, flags, ['repository', 'org']);
  if (flags.on('prune') && flags.given('name')) {
    throw new UsageError('register: --prune tells old URLs from current ones by the receivers selected: drop --name so every receiver\'s hook is kept');
  }
  const maxWaitText = flags.value('max-wait') ?? '60';
  if (!/^\d+$/.test(maxWaitText) || Number(maxWaitText) > 3600) throw new UsageError(`register: --max-wait "${maxWaitText}" is not a whole number of seconds from 0 to 3600`);
  const maxWaitMs = Number(maxWaitText) * 1000;
  const selection = await selectReceivers(REGISTER_COMMAND, flags);
  const supported = selection.receivers.filter((r) => Object.hasOwn(SENDERS, r.type));
  for (const r of selection.receivers.filter((x) => !supported.includes(x))) {
    io.stderr(`note: ${r.namespace}/${r.name}: skipped: register speaks the hook APIs of ${REGISTER_TYPES.join(', ')} receivers, not ${r.type}\n`);
  }
  if (supported.length === 0) throw new Error(`none of the selected receivers is of type ${REGISTER_TYPES.join(', ')}`);
  const types = [...new Set(supported.map((r) => r.type))];
  if (types.length > 1 && (flags.given('api-url') || flags.given('api-token-file') || flags.given('repository') || flags.given('org'))) {
    throw new UsageError(`register: the selected receivers are of types ${types.join(', ')}: --api-url, --api-token-file, --repository and --org apply to one sender; select one type with --name or -n`);
  }

  // Every sender's API URL and token are checked before anything is written.
  const senders = new Map<string, SenderApi>();
  for (const type of types) senders.set(type, await senderFor(type, flags, io, maxWaitMs));
  const tokens = selection.tokens();
  const urls = await receiverUrls(supported, selection.base, tokens);
  let failed = false;
  const fail = (text: string): void => {
    failed = true;
    io.stderr(`error: ${redactHookPaths(text)}\n`);
  };
  const dryRun = flags.on('dry-run');
  for (const type of types) {
    const sender = senders.get(type)!;
    const byScope = new Map<string, { scope: HookScope; wanted: Wanted[] }>();
    for (const u of urls.filter((x) => x.receiver.type === type)) {
      const who = `${u.receiver.namespace}/${u.receiver.name}`;
      if (!u.url || !u.token) {
        fail(`${who}: ${u.error ?? 'no token'}`);
        continue;
      }
      try {
        const secret = await senderSecret(u.receiver, tokens, u.token);
        const hook: DesiredHook = { url: u.url, secret: secret.value, events: sender.hookEvents(u.receiver.events) };
        for (const scope of await scopes(u.receiver, sender, flags)) {
          const key = `${scope.kind}:${scope.path}`;
          if (!byScope.has(key)) byScope.set(key, { scope, wanted: [] });
          byScope.get(key)!.wanted.push({ receiver: u.receiver, hook, secretKey: secret.key, base: selection.base(u.receiver) });
        }
      } catch (err) {
        fail(`${who}: ${(err as Error).message}`);
      }
    }
    for (const { scope, wanted } of byScope.values()) {
      let existing: ExistingHook[];
      try {
        existing = await sender.list(scope);
      } catch (err) {
        fail((err as Error).message);
        continue;
      }
      const steps = planHooks(scope, existing, wanted, flags.on('prune'), flags.on('update-secret'));
      for (const step of steps) {
        io.stdout(describeStep(sender, step) + '\n');
        if (dryRun || step.action === 'unchanged') continue;
        try {
          const id = await apply(sender, step);
          if (step.action !== 'remove' && sender.test && !flags.on('no-test')) {
            const answer = await sender.test(scope, id, step.receiver!.events);
            io.stdout(`  test delivery: ${answer.text}\n`);
            if (!answer.ok) failed = true;
          }
        } catch (err) {
          if (!(err instanceof SenderError)) throw err;
          fail(err.message);
        }
      }
    }
  }
  if (dryRun) io.stdout('dry run: nothing was changed at the sender\n');
  return failed ? EXIT_FAILED : EXIT_OK;
}

/**
 * What to do at one scope: each wanted hook is matched by URL (updated when events or settings
 * differ, or the secret is to be rewritten; created when missing); with `prune`, hooks posting
 * to the same bases' /hook/ path but to no wanted URL are removed. Other hooks are not touched.
 */
export function planHooks(
  scope: HookScope, existing: readonly ExistingHook[], wanted: readonly Wanted[], prune: boolean, updateSecret: boolean,
): Step[] {
  const steps: Step[] = [];
  for (const w of wanted) {
    const common = { scope, url: w.hook.url, receiver: w.receiver, hook: w.hook, secretKey: w.secretKey };
    const match = existing.find((h) => h.url === w.hook.url);
    if (!match) {
      steps.push({ action: 'create', ...common });
      continue;
    }
    const why = [...match.settingsDiffer];
    const have = [...match.events].sort().join(', ');
    const want = [...w.hook.events].sort().join(', ');
    if (have !== want) why.push(`events ${have || '(none)'} → ${want}`);
    if (updateSecret) why.push('secret');
    steps.push({ action: why.length > 0 ? 'update' : 'unchanged', ...common, id: match.id, why });
  }
  if (prune) {
    const current = new Set(wanted.map((w) => w.hook.url));
    const prefixes = [...new Set(wanted.map((w) => `${w.base.replace(/\/+$/, '')}/hook/`))];
    for (const h of existing) {
      if (!current.has(h.url) && prefixes.some((p) => h.url.startsWith(p))) steps.push({ action: 'remove', scope, url: h.url, id: h.id });
    }
  }
  return steps;
}

/** The secret the sender should hold: `token`, or the newest (last listed) verification key the Secret holds. */
export async function senderSecret(receiver: FoundReceiver, tokens: TokenSource, token: Buffer): Promise<{ key: string; value: string }> {
  const annotation = receiver.annotations[VERIFICATION_KEYS_ANNOTATION];
  let key: string = SECRET_KEYS.token;
  let value = token;
  if (annotation !== undefined) {
    const parsed = parseVerificationKeys(annotation);
    if ('problem' in parsed) throw new Error(`annotation ${VERIFICATION_KEYS_ANNOTATION} ${parsed.problem}`);
    const newest = [...parsed.keys].reverse();
    let found: Buffer | undefined;
    for (const name of newest) {
      found = name === SECRET_KEYS.token ? token : await readSecretKey(receiver, tokens, name);
      if (found !== undefined) {
        key = name;
        break;
      }
    }
    if (found === undefined) throw new Error(`secret ${receiver.namespace}/${receiver.secretName} holds none of the verification keys ${parsed.keys.join(', ')}`);
    value = found;
  }
  const note = tokenNote(value);
  if (note) throw new Error(`secret ${receiver.namespace}/${receiver.secretName} key '${key}': ${note}`);
  return { key, value: value.toString('utf8') };
}

async function senderFor(type: string, flags: ParsedFlags, io: CommandIo, maxWaitMs: number): Promise<SenderApi> {
  const def = SENDERS[type];
  const apiBase = flags.value('api-url') ?? def.apiBase;
  if (apiBase === undefined) throw new UsageError(`register: ${type} receivers need --api-url https://<host> (the Gitea or Forgejo server)`);
  let parsed: URL;
  try {
    parsed = new URL(apiBase);
  } catch {
    throw new UsageError(`register: --api-url "${apiBase}" is not a URL: use e.g. ${def.apiBase ?? 'https://gitea.example.com'}`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new UsageError(`register: --api-url "${apiBase}" must start with https://`);
  if (parsed.username || parsed.password || parsed.search) throw new UsageError('register: --api-url takes no credentials or query: pass the token through the environment or --api-token-file');
  const tokenFile = flags.value('api-token-file');
  let token: string | undefined;
  if (tokenFile !== undefined) {
    let bytes: Buffer;
    try {
      bytes = tokenFile === '-' ? await io.readStdin() : fs.readFileSync(tokenFile);
    } catch (err) {
      throw new Error(`cannot read the API token from ${tokenFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    token = bytes.toString('utf8').trim();
  } else {
    token = io.env[def.env]?.trim();
  }
  if (!token) throw new UsageError(`register: no API token for ${type}: set ${def.env} or pass --api-token-file <file> (it needs ${def.scopes})`);
  if (!/^[\x21-\x7e]+$/.test(token)) throw new Error(`the ${type} API token has spaces or characters that are not printable ASCII: it cannot be sent in a header`);
  return def.make({ apiBase: parsed.toString().replace(/\/+$/, ''), token, maxWaitMs, note: io.stderr });
}

/** Where a receiver's hook goes: --org, --repository, else its GitRepository targets on the sender's host. */
async function scopes(receiver: FoundReceiver, sender: SenderApi, flags: ParsedFlags): Promise<HookScope[]> {
  const org = flags.value('org');
  if (org !== undefined) {
    if (!/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/.test(org)) throw new UsageError(`register: --org "${org}" is not an organisation or group name`);
    return [{ kind: 'organisation', path: org }];
  }
  const repository = flags.value('repository');
  if (repository !== undefined) return [{ kind: 'repository', path: checkRepository(repository, '--repository', UsageError) }];
  const annotated = receiver.annotations[SENDER_REPOSITORY_ANNOTATION];
  if (annotated !== undefined) return [{ kind: 'repository', path: checkRepository(annotated, `annotation ${SENDER_REPOSITORY_ANNOTATION}`, Error) }];
  const urls = receiver.gitRepositoryUrls ?? await clusterGitRepositoryUrls(receiver, flags);
  const host = new URL(`http://${sender.webHost}`).hostname;
  const paths = urls.map((u) => repositoryPath(u, host)).filter((p): p is string => p !== undefined);
  if (paths.length === 0) {
    throw new Error(`no repository to register at: ${urls.length > 0 ? `its GitRepository targets (${urls.map(withoutUserinfo).join(', ')}) are not on ${sender.webHost}` : 'it targets no GitRepository found by name'}; `
      + 'pass --repository <owner/name> or --org <org>');
  }
  return [...new Set(paths)].map((path) => ({ kind: 'repository', path }));
}

/** A Git URL as it may be shown: without a user's password. */
function withoutUserinfo(gitUrl: string): string {
  return gitUrl.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/]*@/i, '$1');
}

async function clusterGitRepositoryUrls(receiver: FoundReceiver, flags: ParsedFlags): Promise<string[]> {
  const kc = commandKubeConfig(flags.value('kubeconfig'));
  const urls: string[] = [];
  for (const r of receiver.resources) {
    if (r.kind !== 'GitRepository' || r.name === '*') continue;
    const url = await readGitRepositoryUrl(kc, r.namespace ?? receiver.namespace, r.name, r.apiVersion ?? DEFAULT_API_VERSIONS.GitRepository);
    if (url) urls.push(url);
  }
  return urls;
}

/** `owner/name` of a Git URL (https, ssh:// or scp-like) on `host`; undefined for another host. */
export function repositoryPath(gitUrl: string, host: string): string | undefined {
  const scp = /^[^@/]+@([^:/]+):(?!\/)(.+)$/.exec(gitUrl);
  let urlHost: string;
  let path: string;
  if (scp) {
    [, urlHost, path] = scp;
  } else {
    try {
      const u = new URL(gitUrl);
      urlHost = u.hostname;
      path = decodeURIComponent(u.pathname);
    } catch {
      return undefined;
    }
  }
  if (urlHost.toLowerCase() !== host.toLowerCase()) return undefined;
  const clean = path.replace(/^\/+|\/+$/g, '').replace(/\.git$/, '');
  return clean.split('/').length >= 2 ? clean : undefined;
}

function checkRepository(value: string, where: string, fails: new (message: string) => Error): string {
  const problem = senderRepositoryProblem(value);
  if (problem !== undefined) throw new fails(`${fails === UsageError ? 'register: ' : ''}${where} "${value}" ${problem}`);
  return value;
}

async function apply(sender: SenderApi, step: Step): Promise<string> {
  switch (step.action) {
    case 'create':
      return (await sender.create(step.scope, step.hook!)).id;
    case 'update':
      await sender.update(step.scope, step.id!, step.hook!);
      return step.id!;
    default:
      await sender.remove(step.scope, step.id!);
      return step.id!;
  }
}

function describeStep(sender: SenderApi, step: Step): string {
  const where = `${sender.name} ${step.scope.kind} ${step.scope.path}`;
  const hook = step.id ? `hook ${step.id}` : 'hook';
  const url = redactHookPaths(step.url);
  if (step.action === 'remove') return `remove     ${where}: ${hook} → ${url} (no selected receiver has this URL)`;
  const detail = `events ${step.hook!.events.join(', ')}; secret: key '${step.secretKey}'`;
  const why = step.why && step.why.length > 0 ? ` [${step.why.join('; ')}]` : '';
  return `${step.action.padEnd(10)} ${where}: ${hook} → ${url} for ${step.receiver!.namespace}/${step.receiver!.name} (${detail})${why}`;
}
