// `flux-webhook-receiver send`: posts a realistic, correctly signed test delivery to a receiver and
// explains the answer. This is how a user checks the whole path from the internet to the cluster
// without pushing a commit.
import { randomUUID } from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import * as https from 'https';
import { commandKubeConfig } from './_cluster';
import { chooseEvent, DELIVERY_TYPES, deliveryBuilder, DeliveryBuilder } from './deliveries';
import { explainAnswer, explainNetworkError, type Answer } from './explain-response';
import { CommandIo, commandHelp, CommandSpec, UsageError, EXIT_FAILED, EXIT_OK, parseFlags, ParsedFlags } from './flags';
import { FoundReceiver, readToken } from './receiver-urls';
import { RECEIVER_SELECTION_FLAGS, selectReceivers } from './url';
import { HOOK_PATH_PREFIX, hookPath, SERVER_BINARY } from '../../src/model';

const MAX_ANSWER_BYTES = 64 * 1024;
const DIRECT_ONLY = ['url', 'secret'];
const RECEIVER_ONLY = ['base', 'receivers', 'from-cluster', 'secrets-dir', 'name'];

export const SEND_COMMAND: CommandSpec = {
  name: 'send',
  summary: 'post a signed test delivery to a receiver and explain the answer',
  synopsis: [
    'send (--base <url> --from-cluster | [--base <url>] --receivers <file|dir>) [-n <ns>] --name <receiver> [--event <event>]',
    'send --url <webhook-url> --type <type> (--secret <name> [-n <ns>] | --token-file <file>) [--event <event>]',
  ],
  description: [
    `Builds the request the receiver's sender would post (${DELIVERY_TYPES.join(', ')}), signs it with the receiver's token the way `
    + 'its type verifies it, posts it and explains the answer: 200 means every target was asked to reconcile.',
    'Name a receiver (found like `url` finds it: its URL, type, token and allowed events follow from it), or give the URL, the type and the token.',
    'generic-oidc and gcr deliveries carry an ID token that send cannot mint: pass one with --id-token-file.',
  ],
  flags: [
    ...RECEIVER_SELECTION_FLAGS,
    { name: 'url', value: '<url>', help: 'the full webhook URL (instead of naming a receiver)' },
    { name: 'type', value: '<type>', help: `the receiver type (${DELIVERY_TYPES.join(', ')}); default: the named receiver's` },
    { name: 'secret', value: '<name>', help: 'with --url: read the token from this Secret (in -n <ns>, default flux-system)' },
    { name: 'token-file', value: '<file>', help: 'read the token from a file (bytes as they are; - for standard input)' },
    { name: 'event', value: '<event>', help: 'the event to announce (github: push, ping; gitlab: "Push Hook"; bitbucket: repo:refs_changed, repo:push; cdevents: the CDEvent type)' },
    { name: 'branch', value: '<branch>', help: 'the branch of push payloads (default main), e.g. to pass a resourceFilter on req.ref' },
    { name: 'id-token-file', value: '<file>', help: 'generic-oidc, gcr: the ID token to send as Authorization: Bearer' },
    { name: 'timeout', value: '<seconds>', help: 'give up waiting for the answer after this long (default 30)' },
    { name: 'insecure-skip-tls-verify', help: 'accept any TLS certificate (Git hosts will not)' },
  ],
  examples: [
    'send --base https://flux-webhook.example.com --from-cluster -n flux-system --name webapp',
    'send --base https://flux-webhook.example.com --receivers dist/ --name webapp --event ping',
    'send --url "$(flux-webhook-receiver url --base https://flux-webhook.example.com --from-cluster --name webapp -o url)" --type github --secret webhook-token -n flux-system',
  ],
};

interface Target {
  readonly url: URL;
  readonly builder: DeliveryBuilder;
  readonly token?: Buffer;
  readonly allowedEvents: readonly string[];
  /** The named receiver, when there is one: its targets and namespace. */
  readonly receiver?: FoundReceiver;
}

export async function runSend(argv: readonly string[], io: CommandIo): Promise<number> {
  const flags = parseFlags(SEND_COMMAND, argv);
  if (flags.help) {
    io.stdout(commandHelp(SERVER_BINARY, SEND_COMMAND));
    return EXIT_OK;
  }
  const timeoutText = flags.value('timeout') ?? '30';
  const timeoutSeconds = Number(timeoutText);
  if (!/^\d+(\.\d+)?$/.test(timeoutText) || timeoutSeconds <= 0 || timeoutSeconds > 600) {
    throw new UsageError(`send: --timeout "${timeoutText}" is not a number of seconds from 0 to 600`);
  }
  const target = flags.given('url') ? await direct(flags, io) : await named(flags, io);
  const { builder } = target;
  if (builder.needsIdToken && !flags.given('id-token-file')) {
    throw new UsageError(`send: ${builder.type} deliveries carry an ID token send cannot mint: pass --id-token-file <file> `
      + (builder.type === 'gcr' ? '(e.g. gcloud auth print-identity-token --impersonate-service-account=<the Secret\'s email> --audiences=<the Secret\'s audience> --include-email)'
        : '(a token of an issuer in the Receiver\'s spec.oidcProviders, e.g. from a GitHub Actions job)'));
  }
  if (builder.tokenUse && !target.token) throw new UsageError(`send: ${builder.type} deliveries are signed with the token: pass --secret <name> or --token-file <file>`);
  const idToken = flags.given('id-token-file') ? readFile(flags.value('id-token-file')!, 'id token').toString('utf8').trim() : undefined;
  const event = chooseEvent(builder, target.allowedEvents, flags.value('event'));
  const delivery = builder.build({
    token: target.token,
    event,
    branch: flags.value('branch') ?? 'main',
    idToken,
    deliveryId: randomUUID(),
    now: new Date(),
  });

  io.stdout(`POST ${redacted(target.url)}\n  ${builder.type}${event ? ` event "${event}"` : ''}, ${delivery.body.length} bytes, authenticated by ${delivery.authentication}\n`);
  const started = Date.now();
  let answer: Answer;
  try {
    answer = await post(target.url, delivery.headers, delivery.body, timeoutSeconds * 1000, flags.on('insecure-skip-tls-verify'));
  } catch (err) {
    io.stdout(`No answer: ${explainNetworkError(err as NodeJS.ErrnoException, target.url)}\n`);
    return EXIT_FAILED;
  }
  io.stdout(`HTTP ${answer.status} ${http.STATUS_CODES[answer.status] ?? ''} in ${Date.now() - started} ms\n`);
  const explanation = explainAnswer(answer, builder, event, target.receiver?.resources, target.receiver?.namespace);
  io.stdout(explanation.lines.join('\n') + '\n');
  return explanation.ok ? EXIT_OK : EXIT_FAILED;
}

/** `--url … --type …` with the token from a Secret or a file. */
async function direct(flags: ParsedFlags, io: CommandIo): Promise<Target> {
  const given = RECEIVER_ONLY.filter((n) => flags.given(n));
  if (given.length > 0) throw new UsageError(`send: --url excludes ${given.map((n) => `--${n}`).join(', ')} (those name a receiver instead)`);
  const url = webhookUrl(flags.value('url')!);
  const type = flags.value('type');
  if (!type) throw new UsageError(`send: with --url, --type <type> is required (one of ${DELIVERY_TYPES.join(', ')})`);
  const builder = builderFor(type);
  if (flags.given('secret') && flags.given('token-file')) throw new UsageError('send: --secret and --token-file exclude each other: pick one');
  let token: Buffer | undefined;
  if (flags.given('token-file')) token = await tokenFile(flags.value('token-file')!, io);
  if (flags.given('secret')) {
    const namespace = flags.value('namespace') ?? 'flux-system';
    const secretName = flags.value('secret')!;
    const read = await readToken({ namespace, name: '', type, secretName, events: [], resources: [], origin: 'send', annotations: {} }, { kubeConfig: commandKubeConfig(flags.value('kubeconfig')) });
    if ('error' in read) throw new Error(read.error);
    token = read.token;
  }
  return { url, builder, token, allowedEvents: [] };
}

/** A receiver found like `url` finds it: URL, type, token and allowed events follow from it. */
async function named(flags: ParsedFlags, io: CommandIo): Promise<Target> {
  const given = DIRECT_ONLY.filter((n) => flags.given(n));
  if (given.length > 0) throw new UsageError(`send: ${given.map((n) => `--${n}`).join(', ')} ${given.length > 1 ? 'need' : 'needs'} --url`);
  if (!flags.given('base') && !flags.given('receivers') && !flags.on('from-cluster')) {
    throw new UsageError('send: name a receiver ([--base <url>] --from-cluster|--receivers <dir> --name <receiver>) or give --url <webhook-url> --type <type>');
  }
  const selection = await selectReceivers(SEND_COMMAND, flags);
  if (selection.receivers.length > 1) {
    throw new UsageError(`send: ${selection.receivers.length} receivers match (${selection.receivers.map((r) => `${r.namespace}/${r.name}`).join(', ')}): pick one with --name and -n`);
  }
  const receiver = selection.receivers[0];
  const type = flags.value('type') ?? receiver.type;
  if (type !== receiver.type) io.stderr(`note: sending a ${type} delivery to the ${receiver.type} receiver ${receiver.namespace}/${receiver.name}\n`);
  const builder = builderFor(type);
  let token: Buffer | undefined;
  let path: string;
  if (receiver.type === 'generic-oidc' && !receiver.secretName) {
    path = hookPath('', receiver.name, receiver.namespace);
  } else {
    if (!receiver.secretName) throw new Error(`${receiver.namespace}/${receiver.name}: no spec.secretRef`);
    const read = await readToken(receiver, selection.tokens());
    if ('error' in read) throw new Error(`${receiver.namespace}/${receiver.name}: ${read.error}`);
    token = read.token;
    path = hookPath(token, receiver.name, receiver.namespace);
  }
  // A token file stands for a different token than the Secret's, e.g. to test a rotation.
  if (flags.given('token-file')) token = await tokenFile(flags.value('token-file')!, io);
  return { url: new URL(selection.base(receiver) + path), builder, token, allowedEvents: receiver.events, receiver };
}

function builderFor(type: string): DeliveryBuilder {
  const builder = deliveryBuilder(type);
  if (!builder) throw new UsageError(`send: --type "${type}" is not a receiver type: use one of ${DELIVERY_TYPES.join(', ')}`);
  return builder;
}

function webhookUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`send: --url "${redactedText(text)}" is not a URL: use the one \`${SERVER_BINARY} url\` prints`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new UsageError('send: --url must start with https:// (or http://)');
  if (!url.pathname.startsWith(HOOK_PATH_PREFIX)) {
    throw new UsageError(`send: --url must point at a webhook path (${HOOK_PATH_PREFIX}<sha256>), got path "${url.pathname.slice(0, 40)}"`);
  }
  return url;
}

async function tokenFile(file: string, io: CommandIo): Promise<Buffer> {
  const token = file === '-' ? await io.readStdin() : readFile(file, 'token');
  if (token.length === 0) throw new Error(`the token in ${file === '-' ? 'standard input' : file} is empty`);
  return token;
}

function readFile(file: string, what: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new Error(`cannot read the ${what} from ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** The URL with the secret part of the path shortened: the full path stands for the token. */
function redacted(url: URL): string {
  const rest = url.pathname.slice(HOOK_PATH_PREFIX.length);
  return `${url.protocol}//${url.host}${HOOK_PATH_PREFIX}${rest.slice(0, 8)}${rest.length > 8 ? '…' : ''}`;
}

function redactedText(text: string): string {
  const at = text.indexOf(HOOK_PATH_PREFIX);
  return at < 0 ? text.slice(0, 80) : `${text.slice(0, at + HOOK_PATH_PREFIX.length + 8)}…`;
}

function post(url: URL, headers: Record<string, string>, body: Buffer, timeoutMs: number, insecure: boolean): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const options: https.RequestOptions = {
      method: 'POST',
      // The bundled server then says which check failed (docs/server.md, "JSON answers"); notification-controller ignores it.
      headers: { 'Accept': 'application/json', ...headers, 'Content-Length': String(body.length) },
      agent: false,
      ...(url.protocol === 'https:' && insecure ? { rejectUnauthorized: false } : {}),
    };
    const req = (url.protocol === 'https:' ? https : http).request(url, options, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        if (size < MAX_ANSWER_BYTES) chunks.push(c);
        size += c.length;
      });
      res.on('end', () => resolve({
        status: res.statusCode ?? 0,
        body: Buffer.concat(chunks).subarray(0, MAX_ANSWER_BYTES).toString('utf8'),
        location: res.headers.location,
        retryAfter: res.headers['retry-after'],
      }));
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error('timed out'), { code: 'TIMEOUT' })));
    req.on('error', reject);
    req.end(body);
  });
}
