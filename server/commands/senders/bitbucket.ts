// Bitbucket Cloud's repository and workspace webhooks (API 2.0): list (the `next` URL of each
// page), create, update (PUT), delete. A hook's secret makes Bitbucket sign deliveries in
// X-Hub-Signature as the bitbucket receiver verifies; the API shows only whether one is set.
// Bitbucket Cloud offers no test delivery through its API. (Bitbucket Server and Data Center
// have another API, which this does not speak.)
import { senderMessage, SenderHttp, SenderResponse } from './_http';
import type { SenderOptions } from './github';
import { ExistingHook, HookScope, SenderApi } from './sender';

export const BITBUCKET_API = 'https://api.bitbucket.org';

interface BitbucketHook {
  readonly uuid: string;
  readonly url?: string;
  readonly active?: boolean;
  readonly events?: string[];
  readonly secret_set?: boolean;
  readonly skip_cert_verification?: boolean;
}

export function bitbucketSender(options: SenderOptions): SenderApi {
  const root = options.apiBase.replace(/\/+$/, '');
  const webHost = root === BITBUCKET_API ? 'bitbucket.org' : new URL(root).host;
  const http = new SenderHttp({
    sender: 'Bitbucket',
    apiBase: `${root}/2.0`,
    headers: { 'Authorization': `Bearer ${options.token}`, 'Accept': 'application/json', 'User-Agent': 'flux-webhook-receiver' },
    describe: (response, call) => describe(response, call, webHost),
    maxWaitMs: options.maxWaitMs,
    note: options.note,
  });
  const base = (scope: HookScope): string => (scope.kind === 'organisation'
    ? `/workspaces/${encodeURIComponent(scope.path)}/hooks`
    : `/repositories/${scope.path.split('/').map(encodeURIComponent).join('/')}/hooks`);
  const body = (hook: { url: string; secret: string; events: readonly string[] }): object => ({
    description: 'Flux webhook receiver',
    url: hook.url,
    active: true,
    secret: hook.secret,
    events: hook.events,
  });
  return {
    name: 'Bitbucket',
    webHost,
    hookEvents(receiverEvents) {
      const events = [...new Set(receiverEvents)];
      return events.length > 0 ? events.sort() : ['repo:push'];
    },
    async list(scope) {
      const hooks = await http.list(`${base(scope)}?pagelen=100`, (res) => {
        const next = (res.body as { next?: unknown } | null)?.next;
        return typeof next === 'string' ? next : undefined;
      }, (b) => (b as { values?: unknown } | null)?.values);
      return hooks.map((h) => existing(h as BitbucketHook));
    },
    async create(scope, hook) {
      return existing((await http.call('POST', base(scope), body(hook))).body as BitbucketHook);
    },
    async update(scope, id, hook) {
      await http.call('PUT', `${base(scope)}/${encodeURIComponent(id)}`, body(hook));
    },
    async remove(scope, id) {
      await http.call('DELETE', `${base(scope)}/${encodeURIComponent(id)}`);
    },
  };
}

function existing(h: BitbucketHook): ExistingHook {
  const differ: string[] = [];
  if (h.active === false) differ.push('inactive');
  if (h.skip_cert_verification === true) differ.push('TLS verification off');
  if (h.secret_set === false) differ.push('no secret');
  return { id: h.uuid, url: h.url ?? '', events: h.events ?? [], settingsDiffer: differ };
}

function describe(response: SenderResponse, call: string, host: string): string {
  const workspace = call.includes(' /workspaces/');
  const message = senderMessage(response.body);
  const status = `HTTP ${response.status}${message ? ` (${message})` : ''}`;
  const detail = (response.body as { error?: { detail?: { required?: unknown } } } | null)?.error?.detail;
  switch (response.status) {
    case 401:
      return `${status}: the token is not accepted (expired or mistyped?): set BITBUCKET_TOKEN or --api-token-file to a repository or workspace access token`;
    case 403:
      if (Array.isArray(detail?.required)) return `${status}: the token lacks the scope ${detail.required.join(', ')}: create one with it`;
      return `${status}: the token needs the scope webhook and admin rights on the ${workspace ? 'workspace' : 'repository'}`;
    case 404:
      return `${status}: no such ${workspace ? 'workspace' : 'repository'} on ${host}, or the token cannot see it`;
    case 400:
      return /url/i.test(JSON.stringify(response.body)) ? `${status}: Bitbucket must be able to reach the URL: pass --base with the public https host of the receiver` : status;
    default:
      return status;
  }
}
