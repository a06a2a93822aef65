// GitHub's repository and organisation webhooks (REST API v3, also GitHub Enterprise Server under
// https://<host>/api/v3): list, create, update, delete, ping, and the ping's answer from the
// hook's deliveries. GitHub never shows a stored secret, only that one is set.
import { linkNext, senderMessage, SenderHttp, SenderResponse } from './_http';
import { ExistingHook, HookScope, SenderApi, TestAnswer } from './sender';

export const GITHUB_API = 'https://api.github.com';
const PING_WAIT_MS = 20_000;

export interface SenderOptions {
  /** The API root, e.g. https://api.github.com or https://github.example.com/api/v3. */
  readonly apiBase: string;
  readonly token: string;
  readonly maxWaitMs: number;
  readonly note: (text: string) => void;
}

interface GitHubHook {
  readonly id: number;
  readonly active?: boolean;
  readonly events?: string[];
  readonly config?: { url?: string; content_type?: string; insecure_ssl?: string | number; secret?: string };
}

interface GitHubDelivery {
  readonly id: number;
  readonly event?: string;
  readonly status?: string;
  readonly status_code?: number;
}

export function githubSender(options: SenderOptions): SenderApi {
  const apiBase = options.apiBase.replace(/\/+$/, '');
  const api = new URL(apiBase);
  const webHost = apiBase === GITHUB_API ? 'github.com' : api.host;
  const http = new SenderHttp({
    sender: 'GitHub',
    apiBase,
    headers: {
      'Accept': 'application/vnd.github+json',
      'Authorization': `Bearer ${options.token}`,
      'X-GitHub-Api-Version': '2022-11-28',
      'User-Agent': 'flux-webhook-receiver',
    },
    describe: (response, call) => describe(response, call, webHost),
    maxWaitMs: options.maxWaitMs,
    note: options.note,
  });
  const base = (scope: HookScope): string => (scope.kind === 'organisation' ? `/orgs/${enc(scope.path)}/hooks` : `/repos/${scope.path.split('/').map(enc).join('/')}/hooks`);
  const body = (hook: { url: string; secret: string; events: readonly string[] }): object => ({
    active: true,
    events: hook.events,
    config: { url: hook.url, content_type: 'json', insecure_ssl: '0', secret: hook.secret },
  });
  const deliveries = async (scope: HookScope, id: string): Promise<GitHubDelivery[]> =>
    (await http.call('GET', `${base(scope)}/${id}/deliveries?per_page=20`)).body as GitHubDelivery[];

  return {
    name: 'GitHub',
    webHost,
    hookEvents(receiverEvents) {
      // GitHub sends `ping` to every new hook on its own; it cannot be subscribed to.
      const events = [...new Set(receiverEvents.map((e) => e.toLowerCase()).filter((e) => e !== 'ping'))];
      return events.length > 0 ? events.sort() : ['push'];
    },
    async list(scope) {
      return (await http.list(`${base(scope)}?per_page=100`, linkNext)).map((h) => existing(h as GitHubHook));
    },
    async create(scope, hook) {
      return existing((await http.call('POST', base(scope), { name: 'web', ...body(hook) })).body as GitHubHook);
    },
    async update(scope, id, hook) {
      await http.call('PATCH', `${base(scope)}/${id}`, body(hook));
    },
    async remove(scope, id) {
      await http.call('DELETE', `${base(scope)}/${id}`);
    },
    async test(scope, id, receiverEvents): Promise<TestAnswer> {
      if (receiverEvents.length > 0 && !receiverEvents.some((e) => e.toLowerCase() === 'ping')) {
        return { ok: true, text: 'skipped: GitHub\'s test delivery is a ping, which the receiver\'s events do not list (add \'ping\' to them to test this way)' };
      }
      const seen = new Set((await deliveries(scope, id)).map((d) => d.id));
      await http.call('POST', `${base(scope)}/${id}/pings`);
      const deadline = Date.now() + PING_WAIT_MS;
      while (Date.now() < deadline) {
        const ping = (await deliveries(scope, id)).find((d) => d.event === 'ping' && !seen.has(d.id));
        if (ping && ping.status_code !== undefined) {
          const code = ping.status_code;
          return { ok: code >= 200 && code < 300, text: code === 0 ? `GitHub could not deliver the ping: ${ping.status ?? 'no answer'}` : `the receiver answered GitHub's ping with HTTP ${code} ${ping.status ?? ''}`.trim() };
        }
        await new Promise((r) => setTimeout(r, 500));
      }
      return { ok: false, text: `GitHub has not delivered the ping within ${PING_WAIT_MS / 1000} s: see the hook's Recent Deliveries` };
    },
  };
}

function existing(h: GitHubHook): ExistingHook {
  const config = h.config ?? {};
  const differ: string[] = [];
  if (config.content_type !== 'json') differ.push(`content type ${config.content_type ?? 'unset'} (want json)`);
  if (String(config.insecure_ssl ?? '0') !== '0') differ.push('TLS verification off');
  if (h.active === false) differ.push('inactive');
  if (!config.secret) differ.push('no secret');
  return { id: String(h.id), url: config.url ?? '', events: h.events ?? [], settingsDiffer: differ };
}

function describe(response: SenderResponse, call: string, webHost: string): string {
  const message = senderMessage(response.body);
  const status = `HTTP ${response.status}${message ? ` (${message})` : ''}`;
  const org = call.includes(' /orgs/');
  switch (response.status) {
    case 401:
      return `${status}: the token is not accepted (expired or mistyped?): set GITHUB_TOKEN or --api-token-file to a valid token`;
    case 403: {
      const held = response.headers.get('x-oauth-scopes');
      const admin = org ? 'an owner of the organisation' : 'an admin of the repository';
      if (held === null) {
        return `${status}: a fine-grained token needs the ${org ? 'organisation' : 'repository'} permission "Webhooks: Read and write" and its user must be ${admin}`;
      }
      const has = headerList(held);
      const needed = org ? ['admin:org_hook'] : ['admin:repo_hook', 'write:repo_hook', 'repo', ...(call.startsWith('GET ') ? ['read:repo_hook'] : [])];
      const accepted = headerList(response.headers.get('x-accepted-oauth-scopes'));
      if (!needed.some((s) => has.includes(s))) {
        return `${status}: the token lacks the scope ${needed[0]}${org ? '' : ' (or repo)'}: it has ${has.length > 0 ? has.join(', ') : 'no scopes'}`
          + `${accepted.length > 0 ? `, GitHub accepts ${accepted.join(', ')}` : ''}; add the scope to the token`;
      }
      return `${status}: the token has the scope, but its user must be ${admin}`;
    }
    case 404:
      return org
        ? `${status}: no such organisation on ${webHost}, or the token's user is not an owner of it (GitHub answers 404 for both)`
        : `${status}: no such repository on ${webHost}, or the token's user has no admin rights on it (GitHub answers 404 for both)`;
    case 422: {
      const errors = validationErrors(response.body);
      const text = errors.length > 0 ? errors.join('; ') : message;
      let hint = '';
      if (/more than \d+ hooks|hook limit/i.test(text)) hint = `: the ${org ? 'organisation' : 'repository'} has as many hooks as GitHub allows for this event; remove one it no longer needs`;
      else if (/url/i.test(text)) hint = ': GitHub must be able to reach the URL from the internet: pass --base with the public https host of the receiver';
      return `HTTP 422 (${text})${hint}`;
    }
    default:
      return status;
  }
}

function validationErrors(body: unknown): string[] {
  const errors = (body as { errors?: unknown } | null)?.errors;
  if (!Array.isArray(errors)) return [];
  return errors.slice(0, 5).map((e) => {
    if (typeof e === 'string') return senderMessage(e);
    const { message, field, code } = (e ?? {}) as { message?: unknown; field?: unknown; code?: unknown };
    return senderMessage(typeof message === 'string' ? message : `${String(field ?? '')} ${String(code ?? 'invalid')}`.trim());
  });
}

function headerList(value: string | null): string[] {
  return (value ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
}

function enc(part: string): string {
  return encodeURIComponent(part);
}

