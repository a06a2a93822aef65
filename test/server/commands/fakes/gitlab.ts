// A fake GitLab REST API (v4) for project and group webhooks. It refuses what GitLab refuses:
// unknown tokens (401), a token without the api scope on a write (403 insufficient_scope), a
// user below Maintainer (403), unknown projects or groups (404), blocked URLs and the hook limit
// (422 with field errors), a rate limit (429 with Retry-After). Lists are paginated with
// X-Next-Page / X-Total-Pages. A hook's token is never shown. Deliveries carry the stored token in
// X-Gitlab-Token; the test endpoint delivers at once and answers 201 when the receiver answered
// 2xx, else 422 with the receiver's answer, as GitLab does.
import { randomUUID } from 'crypto';
import { deliver, Delivered, FakeAnswer, FakeApi, FakeRequest } from './_fake-api';

export interface GitLabToken {
  readonly scopes: readonly string[];
  /** Projects and groups (full paths) where the user is Maintainer (Owner for groups). */
  readonly maintainer: readonly string[];
}

export interface FakeGitLabHook {
  readonly id: number;
  url: string;
  token?: string;
  enable_ssl_verification: boolean;
  flags: Record<string, boolean>;
}

/** X-Gitlab-Event of each flag, for deliveries. */
const EVENTS: Readonly<Record<string, string>> = {
  push_events: 'Push Hook',
  tag_push_events: 'Tag Push Hook',
  merge_requests_events: 'Merge Request Hook',
  issues_events: 'Issue Hook',
  confidential_issues_events: 'Confidential Issue Hook',
  note_events: 'Note Hook',
  confidential_note_events: 'Confidential Note Hook',
  pipeline_events: 'Pipeline Hook',
  job_events: 'Job Hook',
  wiki_page_events: 'Wiki Page Hook',
  deployment_events: 'Deployment Hook',
  releases_events: 'Release Hook',
};
const API = '/api/v4';

export class FakeGitLab extends FakeApi {
  readonly tokens = new Map<string, GitLabToken>();
  /** `projects:<path>` or `groups:<path>` → hooks. */
  readonly hooks = new Map<string, FakeGitLabHook[]>();
  rateLimited = 0;
  hookLimit = 100;
  private nextId = 1;

  constructor(projects: readonly string[], groups: readonly string[] = []) {
    super();
    for (const p of projects) this.hooks.set(`projects:${p}`, []);
    for (const g of groups) this.hooks.set(`groups:${g}`, []);
  }

  hooksOf(scope: string): FakeGitLabHook[] {
    return this.hooks.get(scope)!;
  }

  addHook(scope: string, hook: Omit<FakeGitLabHook, 'id'>): FakeGitLabHook {
    const made = { ...hook, id: this.nextId++ };
    this.hooksOf(scope).push(made);
    return made;
  }

  /** Delivers `flag`'s event as GitLab does: the stored token in X-Gitlab-Token. */
  deliver(hook: FakeGitLabHook, flag: string, payload: object): Promise<Delivered> {
    return deliver(hook.url, {
      'User-Agent': 'GitLab/17.6.0',
      'X-Gitlab-Event': EVENTS[flag],
      'X-Gitlab-Event-UUID': randomUUID(),
      'X-Gitlab-Webhook-UUID': randomUUID(),
      'X-Gitlab-Instance': this.origin,
      ...(hook.token ? { 'X-Gitlab-Token': hook.token } : {}),
    }, JSON.stringify(payload));
  }

  protected handle(req: FakeRequest): FakeAnswer | Promise<FakeAnswer> {
    const token = this.tokens.get(String(req.headers['private-token'] ?? ''));
    if (!token) return { status: 401, body: { message: '401 Unauthorized' } };
    if (this.rateLimited > 0) {
      this.rateLimited--;
      return { status: 429, body: 'Retry later', headers: { 'Retry-After': '1', 'RateLimit-Limit': '2000', 'RateLimit-Remaining': '0', 'RateLimit-Reset': String(Math.ceil(Date.now() / 1000) + 1) } };
    }
    const m = /^\/(projects|groups)\/([^/]+)\/hooks(?:\/(\d+)(?:\/test\/([a-z_]+))?)?$/.exec(req.url.pathname.slice(API.length));
    if (!req.url.pathname.startsWith(API + '/') || !m) return { status: 404, body: { error: '404 Not Found' } };
    const fullPath = decodeURIComponent(m[2]);
    const hooks = this.hooks.get(`${m[1]}:${fullPath}`);
    const what = m[1] === 'projects' ? 'Project' : 'Group';
    if (!hooks) return { status: 404, body: { message: `404 ${what} Not Found` } };
    if (req.method !== 'GET' && !token.scopes.includes('api')) {
      return { status: 403, body: { error: 'insufficient_scope', error_description: 'The request requires higher privileges than provided by the access token.', scope: 'api' } };
    }
    if (!token.scopes.includes('api') && !token.scopes.includes('read_api')) return { status: 403, body: { error: 'insufficient_scope', scope: 'api read_api' } };
    if (!token.maintainer.includes(fullPath)) return { status: 403, body: { message: '403 Forbidden' } };
    const id = m[3] === undefined ? undefined : Number(m[3]);
    if (id === undefined) {
      if (req.method === 'GET') return this.list(req.url, hooks);
      if (req.method === 'POST') {
        const problem = this.check(hooks, req.body, true);
        if (problem) return problem;
        const hook = this.addHook(`${m[1]}:${fullPath}`, { url: '', enable_ssl_verification: true, flags: {} });
        this.apply(hook, req.body);
        return { status: 201, body: this.shown(hook) };
      }
      return { status: 405, body: { message: '405 Method Not Allowed' } };
    }
    const hook = hooks.find((h) => h.id === id);
    if (!hook) return { status: 404, body: { message: '404 Not found' } };
    if (m[4] !== undefined) {
      if (req.method !== 'POST') return { status: 405, body: { message: '405 Method Not Allowed' } };
      if (!(m[4] in EVENTS)) return { status: 400, body: { error: 'trigger does not have a valid value' } };
      return this.deliver(hook, m[4], { object_kind: 'push', ref: 'refs/heads/main', project: { path_with_namespace: fullPath } }).then((answer): FakeAnswer => {
        if (answer.status >= 200 && answer.status < 300) return { status: 201, body: { message: '201 Created' } };
        return { status: 422, body: { message: answer.status === 0 ? 'Hook execution failed: connection refused' : answer.body || String(answer.status) } };
      });
    }
    if (req.method === 'GET') return { status: 200, body: this.shown(hook) };
    if (req.method === 'PUT') {
      const problem = this.check(hooks, req.body, false);
      if (problem) return problem;
      this.apply(hook, req.body);
      return { status: 200, body: this.shown(hook) };
    }
    if (req.method === 'DELETE') {
      hooks.splice(hooks.indexOf(hook), 1);
      return { status: 204 };
    }
    return { status: 405, body: { message: '405 Method Not Allowed' } };
  }

  private list(url: URL, hooks: FakeGitLabHook[]): FakeAnswer {
    const perPage = Math.min(100, Number(url.searchParams.get('per_page') ?? 20));
    const page = Number(url.searchParams.get('page') ?? 1);
    const pages = Math.max(1, Math.ceil(hooks.length / perPage));
    return {
      status: 200,
      body: hooks.slice((page - 1) * perPage, page * perPage).map((h) => this.shown(h)),
      headers: {
        'X-Page': String(page),
        'X-Per-Page': String(perPage),
        'X-Total': String(hooks.length),
        'X-Total-Pages': String(pages),
        'X-Next-Page': page < pages ? String(page + 1) : '',
        'X-Prev-Page': page > 1 ? String(page - 1) : '',
      },
    };
  }

  private check(hooks: FakeGitLabHook[], body: any, creating: boolean): FakeAnswer | undefined {
    if (typeof body?.url !== 'string' || !/^https?:\/\/[^/]/.test(body.url)) return { status: 400, body: { error: 'url is missing' } };
    if (/^https?:\/\/(localhost|\[::1\])/.test(body.url)) return { status: 422, body: { message: { url: ['is blocked: Requests to localhost are not allowed'] } } };
    if (creating && hooks.length >= this.hookLimit) return { status: 422, body: { message: { base: [`Maximum number of project hooks (${this.hookLimit}) exceeded`] } } };
    return undefined;
  }

  private apply(hook: FakeGitLabHook, body: any): void {
    hook.url = body.url;
    // GitLab keeps the token when an update leaves it out, unless the URL changed.
    if (body.token !== undefined) hook.token = body.token;
    if (body.enable_ssl_verification !== undefined) hook.enable_ssl_verification = body.enable_ssl_verification;
    for (const flag of Object.keys(EVENTS)) if (typeof body[flag] === 'boolean') hook.flags[flag] = body[flag];
    if (!('push_events' in hook.flags)) hook.flags.push_events = true;
  }

  private shown(h: FakeGitLabHook): object {
    const flags = Object.fromEntries(Object.keys(EVENTS).map((f) => [f, h.flags[f] === true]));
    return { id: h.id, url: h.url, enable_ssl_verification: h.enable_ssl_verification, created_at: new Date().toISOString(), ...flags };
  }
}
