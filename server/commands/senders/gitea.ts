// Gitea's (and Forgejo's) repository and organisation webhooks (API v1): list (Link pagination),
// create, update (PATCH), delete. Hooks of type gitea sign X-Gitea-Signature with their secret.
// Gitea's test delivery reports no answer, so there is no test step.
import { linkNext, senderMessage, SenderHttp, SenderResponse } from './_http';
import type { SenderOptions } from './github';
import { ExistingHook, HookScope, SenderApi } from './sender';

interface GiteaHook {
  readonly id: number;
  readonly type?: string;
  readonly active?: boolean;
  readonly events?: string[];
  readonly config?: { url?: string; content_type?: string };
}

export function giteaSender(options: SenderOptions): SenderApi {
  const root = options.apiBase.replace(/\/+$/, '');
  const host = new URL(root).host;
  const http = new SenderHttp({
    sender: 'Gitea',
    apiBase: `${root}/api/v1`,
    headers: { 'Authorization': `token ${options.token}`, 'Accept': 'application/json', 'User-Agent': 'flux-webhook-receiver' },
    describe: (response, call) => describe(response, call, host),
    maxWaitMs: options.maxWaitMs,
    note: options.note,
  });
  const base = (scope: HookScope): string => (scope.kind === 'organisation' ? `/orgs/${encodeURIComponent(scope.path)}/hooks` : `/repos/${scope.path.split('/').map(encodeURIComponent).join('/')}/hooks`);
  const body = (hook: { url: string; secret: string; events: readonly string[] }): object => ({
    active: true,
    events: hook.events,
    config: { url: hook.url, content_type: 'json', secret: hook.secret },
  });
  return {
    name: 'Gitea',
    webHost: host,
    hookEvents(receiverEvents) {
      const events = [...new Set(receiverEvents.map((e) => e.toLowerCase()))];
      return events.length > 0 ? events.sort() : ['push'];
    },
    async list(scope) {
      return (await http.list(`${base(scope)}?limit=50`, linkNext)).map((h) => existing(h as GiteaHook));
    },
    async create(scope, hook) {
      return existing((await http.call('POST', base(scope), { type: 'gitea', ...body(hook) })).body as GiteaHook);
    },
    async update(scope, id, hook) {
      await http.call('PATCH', `${base(scope)}/${id}`, body(hook));
    },
    async remove(scope, id) {
      await http.call('DELETE', `${base(scope)}/${id}`);
    },
  };
}

function existing(h: GiteaHook): ExistingHook {
  const differ: string[] = [];
  if (h.config?.content_type !== 'json') differ.push(`content type ${h.config?.content_type ?? 'unset'} (want json)`);
  if (h.active === false) differ.push('inactive');
  if (h.type !== undefined && h.type !== 'gitea' && h.type !== 'forgejo') differ.push(`type ${h.type} (want gitea)`);
  return { id: String(h.id), url: h.config?.url ?? '', events: h.events ?? [], settingsDiffer: differ };
}

function describe(response: SenderResponse, call: string, host: string): string {
  const org = call.includes(' /orgs/');
  const message = senderMessage(response.body);
  const status = `HTTP ${response.status}${message ? ` (${message})` : ''}`;
  switch (response.status) {
    case 401:
      return `${status}: the token is not accepted: set GITEA_TOKEN or --api-token-file to a valid token`;
    case 403:
      if (/scope/i.test(message)) return `${status}: the token lacks the scope ${org ? 'write:organization' : 'write:repository'}: create one with it`;
      return `${status}: the token's user needs admin rights on the ${org ? 'organisation' : 'repository'}`;
    case 404:
      return `${status}: no such ${org ? 'organisation' : 'repository'} on ${host}, or the token's user cannot see it`;
    case 422:
      return /url/i.test(message) ? `${status}: Gitea must be able to reach the URL: pass --base with the host of the receiver` : status;
    default:
      return status;
  }
}
