// GitLab's project and group webhooks (API v4, gitlab.com or self-managed): list (X-Next-Page
// pagination), create, update (PUT), delete, and the test push, whose answer GitLab reports at
// once. Events are the hook's `*_events` flags; the receiver names them as X-Gitlab-Event values.
import { senderMessage, SenderHttp, SenderResponse } from './_http';
import type { SenderOptions } from './github';
import { ExistingHook, HookScope, SenderApi, TestAnswer } from './sender';

export const GITLAB_API = 'https://gitlab.com';

/** X-Gitlab-Event value → the hook's flag. */
const EVENT_FLAGS: Readonly<Record<string, string>> = {
  'Push Hook': 'push_events',
  'Tag Push Hook': 'tag_push_events',
  'Merge Request Hook': 'merge_requests_events',
  'Issue Hook': 'issues_events',
  'Confidential Issue Hook': 'confidential_issues_events',
  'Note Hook': 'note_events',
  'Confidential Note Hook': 'confidential_note_events',
  'Pipeline Hook': 'pipeline_events',
  'Job Hook': 'job_events',
  'Wiki Page Hook': 'wiki_page_events',
  'Deployment Hook': 'deployment_events',
  'Release Hook': 'releases_events',
};
const FLAGS = Object.values(EVENT_FLAGS);

type GitLabHook = { readonly id: number; readonly url?: string; readonly enable_ssl_verification?: boolean } & Readonly<Record<string, unknown>>;

export function gitlabSender(options: SenderOptions): SenderApi {
  const root = options.apiBase.replace(/\/+$/, '');
  const apiBase = `${root}/api/v4`;
  const http = new SenderHttp({
    sender: 'GitLab',
    apiBase,
    headers: { 'PRIVATE-TOKEN': options.token, 'Accept': 'application/json', 'User-Agent': 'flux-webhook-receiver' },
    describe: (response, call) => describe(response, call, new URL(root).host),
    maxWaitMs: options.maxWaitMs,
    note: options.note,
  });
  const base = (scope: HookScope): string => `/${scope.kind === 'organisation' ? 'groups' : 'projects'}/${encodeURIComponent(scope.path)}/hooks`;
  const body = (hook: { url: string; secret: string; events: readonly string[] }): object => ({
    url: hook.url,
    token: hook.secret,
    enable_ssl_verification: true,
    ...Object.fromEntries(FLAGS.map((f) => [f, hook.events.includes(f)])),
  });
  return {
    name: 'GitLab',
    webHost: new URL(root).host,
    hookEvents(receiverEvents) {
      const flags = receiverEvents.map((e) => {
        const flag = EVENT_FLAGS[e];
        if (!flag) throw new Error(`the GitLab event "${e}" has no hook setting register knows (${Object.keys(EVENT_FLAGS).join(', ')})`);
        return flag;
      });
      return flags.length > 0 ? [...new Set(flags)].sort() : ['push_events'];
    },
    async list(scope) {
      const path = `${base(scope)}?per_page=100`;
      const hooks = await http.list(path, (res) => {
        const next = res.headers.get('x-next-page');
        return next && /^\d+$/.test(next) ? `${apiBase}${path}&page=${next}` : undefined;
      });
      return hooks.map((h) => existing(h as GitLabHook));
    },
    async create(scope, hook) {
      return existing((await http.call('POST', base(scope), body(hook))).body as GitLabHook);
    },
    async update(scope, id, hook) {
      await http.call('PUT', `${base(scope)}/${id}`, body(hook));
    },
    async remove(scope, id) {
      await http.call('DELETE', `${base(scope)}/${id}`);
    },
    async test(scope, id): Promise<TestAnswer> {
      const hook = (await http.call('GET', `${base(scope)}/${id}`)).body as GitLabHook;
      const trigger = FLAGS.find((f) => hook[f] === true) ?? 'push_events';
      const response = await http.attempt('POST', `${base(scope)}/${id}/test/${trigger}`);
      if (response.status >= 200 && response.status < 300) return { ok: true, text: `the receiver accepted GitLab's test ${trigger.replace(/_events$/, '')} event (HTTP ${response.status} from GitLab)` };
      return { ok: false, text: `GitLab's test ${trigger.replace(/_events$/, '')} event failed: HTTP ${response.status} (${senderMessage(response.body)})` };
    },
  };
}

function existing(h: GitLabHook): ExistingHook {
  return {
    id: String(h.id),
    url: h.url ?? '',
    events: FLAGS.filter((f) => h[f] === true),
    settingsDiffer: h.enable_ssl_verification === false ? ['TLS verification off'] : [],
  };
}

function describe(response: SenderResponse, call: string, host: string): string {
  const group = call.includes(' /groups/');
  const body = response.body as { error?: unknown; scope?: unknown; message?: unknown } | null;
  const message = validation(body?.message) ?? senderMessage(response.body);
  const status = `HTTP ${response.status}${message ? ` (${message})` : ''}`;
  switch (response.status) {
    case 401:
      return `${status}: the token is not accepted (expired, revoked or mistyped?): set GITLAB_TOKEN or --api-token-file to a valid token`;
    case 403:
      if (body?.error === 'insufficient_scope') return `${status}: the token lacks the scope ${typeof body.scope === 'string' ? body.scope : 'api'}: create one with the scope api`;
      return `${status}: the token's user needs the ${group ? 'Owner role on the group' : 'Maintainer role on the project'} to manage its hooks`;
    case 404:
      return `${status}: no such ${group ? 'group' : 'project'} on ${host}, or the token's user cannot see it`;
    case 400:
    case 422:
      if (/maximum number of .*hooks/i.test(message)) return `${status}: the ${group ? 'group' : 'project'} has as many hooks as GitLab allows; remove one it no longer needs`;
      if (/url/i.test(message)) return `${status}: GitLab must be able to reach the URL: pass --base with the public https host of the receiver`;
      return status;
    default:
      return status;
  }
}

/** GitLab's validation errors `{ "url": ["is blocked: …"] }` as `url is blocked: …`. */
function validation(message: unknown): string | undefined {
  if (!message || typeof message !== 'object' || Array.isArray(message)) return undefined;
  return senderMessage(Object.entries(message).map(([field, errs]) => `${field === 'base' ? '' : `${field} `}${Array.isArray(errs) ? errs.join(', ') : String(errs)}`).join('; '));
}
