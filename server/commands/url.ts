// `flux-webhook-receiver url`: the full webhook URL of each receiver, from synthesized manifests
// or the cluster, with tokens from the cluster or a secrets directory. Replaces the sha256sum
// pipeline and `kubectl get receiver` (which has nothing to show in files mode).
import type { KubeConfig } from '@kubernetes/client-node';
import { commandKubeConfig } from './_cluster';
import { CommandIo, commandHelp, CommandSpec, UsageError, exclusive, EXIT_FAILED, EXIT_OK, parseFlags, ParsedFlags } from './flags';
import { FoundReceiver, receiversFromCluster, receiversFromFiles, ReceiverUrl, receiverUrls, TokenSource } from './receiver-urls';
import { SERVER_BINARY } from '../../src/model';

const OUTPUTS = ['table', 'url', 'json'] as const;

/** Flags shared with `send`, which finds its receiver the same way. */
export const RECEIVER_SELECTION_FLAGS = [
  {
    name: 'base',
    value: '<url>',
    help: 'where the receiver is exposed, e.g. https://flux-webhook.example.com (scheme and host, optional port); '
    + 'with --receivers, default: the host of the Ingress or HTTPRoute in front of each receiver\'s backend',
  },
  { name: 'receivers', value: '<file|dir>', help: 'synthesized manifests (cdk8s dist/): Receiver documents or the WebhookReceiver ConfigMap' },
  { name: 'from-cluster', help: 'read Receiver objects from the cluster instead' },
  { name: 'secrets-dir', value: '<dir>', help: 'tokens from <dir>/<secretName>/token instead of the cluster' },
  { name: 'namespace', short: 'n', value: '<ns>', help: 'only receivers in <ns>, which is also the namespace of documents that name none (default: every namespace; such documents: default)' },
  { name: 'name', value: '<receiver>', help: 'only the receiver with this name' },
  { name: 'kubeconfig', value: '<file>', help: 'kubeconfig file (default: KUBECONFIG, ~/.kube/config)' },
] as const;

export const URL_COMMAND: CommandSpec = {
  name: 'url',
  summary: "print each receiver's webhook URL (from manifests or the cluster)",
  synopsis: [
    'url [--base <url>] --receivers <file|dir> [--secrets-dir <dir>] [-n <ns>] [--name <receiver>] [-o table|url|json]',
    'url --base <url> --from-cluster [-n <ns>] [--name <receiver>] [-o table|url|json]',
  ],
  description: [
    'Prints <base>/hook/<sha256(token + name + namespace)> for every receiver: the URL to enter at the Git host or registry.',
    'Receivers come from synthesized manifests (--receivers) or from the cluster (--from-cluster). Tokens are read from the Secrets in the cluster, '
    + 'or from --secrets-dir laid out as <dir>/<secretName>/token; the bytes count exactly as stored, like Flux. generic-oidc receivers need no token.',
    'With --receivers, each receiver\'s base is the host of the exposure in the same manifests that routes to its backend (an Ingress rule, https with TLS; '
    + 'an HTTPRoute hostname, https); --base overrides it for every receiver and is needed where no exposure names a host (a LoadBalancer).',
    'The token itself is never printed unless --show-token is given.',
  ],
  flags: [
    ...RECEIVER_SELECTION_FLAGS,
    { name: 'output', short: 'o', value: '<format>', help: 'table (default): namespace, name, type, URL; url: one URL per line; json' },
    { name: 'show-token', help: 'also print each token (what GitHub, GitLab, … call the webhook secret)' },
  ],
  examples: [
    'url --receivers dist/',
    'url --base https://flux-webhook.example.com --receivers dist/',
    'url --base https://flux-webhook.example.com --from-cluster -n flux-system --name webapp -o url',
  ],
};

export interface ReceiverSelection {
  /** Where each receiver is reached: --base, else the host of its exposure in the manifests. */
  readonly base: (receiver: FoundReceiver) => string;
  readonly receivers: FoundReceiver[];
  readonly tokens: () => TokenSource;
}

/** Finds the receivers the flags select; shared by `url` and `send`. Throws UsageError or Error. */
export async function selectReceivers(spec: CommandSpec, flags: ParsedFlags): Promise<ReceiverSelection> {
  const given = flags.value('base');
  const base = given === undefined ? undefined : parseBase(spec, given);
  exclusive(spec, flags, ['receivers', 'from-cluster']);
  const location = flags.value('receivers');
  const fromCluster = flags.on('from-cluster');
  if (!location && !fromCluster) throw new UsageError(`${spec.name}: say where the receivers are: --receivers <file|dir> (synthesized manifests) or --from-cluster`);
  if (fromCluster && base === undefined) {
    throw new UsageError(`${spec.name}: --base <url> is required with --from-cluster: where the receiver is exposed, e.g. https://flux-webhook.example.com`);
  }
  const namespace = flags.value('namespace');
  const name = flags.value('name');
  let kc: KubeConfig | undefined;
  const kube = (): KubeConfig => (kc ??= commandKubeConfig(flags.value('kubeconfig')));
  const all = location ? receiversFromFiles(location, namespace ?? 'default') : await receiversFromCluster(kube(), namespace);
  const where = location ? `in ${location}` : `in the cluster${namespace ? ` (namespace ${namespace})` : ''}`;
  if (all.length === 0) {
    // WebhookReceiver's server in files mode reads its ConfigMap: there are no Receiver objects.
    throw new Error(`no Receivers found ${where}${location ? '' : ' (a WebhookReceiver serves them from its ConfigMap: use --receivers <synthesized dir>)'}`);
  }
  const inNamespace = all.filter((r) => !namespace || r.namespace === namespace);
  const selected = inNamespace.filter((r) => !name || r.name === name);
  if (selected.length === 0) {
    const known = all.map((r) => `${r.namespace}/${r.name}`).join(', ');
    throw new Error(`no Receiver ${name ? `named "${name}"` : ''}${namespace ? ` in namespace "${namespace}"` : ''} ${where} (found: ${known})`);
  }
  if (base === undefined) {
    const unexposed = selected.filter((r) => !r.exposedAt);
    if (unexposed.length > 0) {
      throw new UsageError(`${spec.name}: --base <url> is required: no Ingress or HTTPRoute with a host name in ${location} routes to `
        + `${unexposed.map((r) => `${r.namespace}/${r.name}`).join(', ')} (a LoadBalancer has none); give where it is exposed, e.g. --base https://flux-webhook.example.com`);
    }
  }
  const secretsDir = flags.value('secrets-dir');
  return {
    base: (r) => base ?? r.exposedAt!,
    receivers: selected,
    tokens: () => (secretsDir ? { secretsDir } : { kubeConfig: kube() }),
  };
}

/** `--base`: scheme and authority only (the exposures route /hook/ at the root). */
export function parseBase(spec: CommandSpec, base: string): string {
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    throw new UsageError(`${spec.name}: --base "${base}" is not a URL: use e.g. https://flux-webhook.example.com`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new UsageError(`${spec.name}: --base "${base}" must start with https:// (or http://)`);
  if (url.pathname !== '/' || url.search || url.hash || url.username || url.password) {
    throw new UsageError(`${spec.name}: --base "${base}" must be only scheme, host and port (e.g. ${url.protocol}//${url.host}): the /hook/… path is added here`);
  }
  return `${url.protocol}//${url.host}`;
}

export async function runUrl(argv: readonly string[], io: CommandIo): Promise<number> {
  const flags = parseFlags(URL_COMMAND, argv);
  if (flags.help) {
    io.stdout(commandHelp(SERVER_BINARY, URL_COMMAND));
    return EXIT_OK;
  }
  const output = flags.value('output') ?? 'table';
  if (!(OUTPUTS as readonly string[]).includes(output)) throw new UsageError(`url: --output "${output}" is not one of ${OUTPUTS.join(', ')}`);
  const selection = await selectReceivers(URL_COMMAND, flags);
  const needsTokens = selection.receivers.some((r) => r.secretName);
  const urls = await receiverUrls(selection.receivers, selection.base, needsTokens ? selection.tokens() : { secretsDir: '' });
  const showToken = flags.on('show-token');
  const ok = urls.filter((u) => u.url);
  if (output === 'url') {
    for (const u of ok) io.stdout(`${u.url}\n`);
  } else if (output === 'json') {
    io.stdout(JSON.stringify(ok.map((u) => ({
      namespace: u.receiver.namespace,
      name: u.receiver.name,
      type: u.receiver.type,
      url: u.url,
      ...(showToken && u.token ? { token: tokenText(u.token) } : {}),
    })), null, 2) + '\n');
  } else if (ok.length > 0) {
    io.stdout(table(ok, showToken));
  }
  if (showToken) for (const u of ok) if (u.token && tokenNote(u.token)) io.stderr(`note: ${u.receiver.namespace}/${u.receiver.name}: ${tokenNote(u.token)}\n`);
  for (const u of urls.filter((x) => !x.url)) io.stderr(`error: ${u.receiver.namespace}/${u.receiver.name}: ${u.error}\n`);
  return ok.length === urls.length ? EXIT_OK : EXIT_FAILED;
}

/** The token as text; bytes that are not printable UTF-8 (or a trailing newline) are shown as base64. */
export function tokenText(token: Buffer): string {
  const text = token.toString('utf8');
  return /^[\x21-\x7e]*$/.test(text) ? text : `base64:${token.toString('base64')}`;
}

/** Why a token is shown as base64, for the person who will paste it somewhere; undefined when it is shown as it is. */
export function tokenNote(token: Buffer): string | undefined {
  const text = token.toString('utf8');
  if (/^[\x21-\x7e]*$/.test(text)) return undefined;
  const where = 'the Secret probably came from a file or `echo` that added it';
  if (/^[\x21-\x7e]+\r?\n$/.test(text)) {
    return `the token ends with a newline (${where}), shown as base64. The newline is part of the token: of the URL hash and of every signature, `
      + 'but a Git host\'s secret field cannot hold it, so signed deliveries will fail. Store the token without it '
      + `(kubectl create secret generic <name> --from-literal=token=<token>, or ${SERVER_BINARY} token --apply --overwrite for a new one) and take the new URL`;
  }
  return 'the token has bytes that are not printable ASCII (spaces, control characters or non-ASCII), shown as base64 (base64 -d gives the bytes); '
    + 'a Git host\'s secret field may not hold them as they are';
}

function table(urls: readonly ReceiverUrl[], showToken: boolean): string {
  const header = ['NAMESPACE', 'NAME', 'TYPE', 'URL', ...(showToken ? ['TOKEN'] : [])];
  const rows = urls.map((u) => [u.receiver.namespace, u.receiver.name, u.receiver.type, u.url!, ...(showToken ? [u.token ? tokenText(u.token) : '<none>'] : [])]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [header, ...rows].map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('   ')).join('\n') + '\n';
}
