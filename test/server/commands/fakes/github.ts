// A fake GitHub REST API (v3, as GitHub Enterprise serves it under /api/v3) for repository and
// organisation webhooks. It refuses what GitHub refuses: unknown tokens (401), classic tokens
// without a hook scope (403 with X-OAuth-Scopes / X-Accepted-OAuth-Scopes), a fine-grained token
// without the Webhooks permission (403), unknown repositories or no admin rights (404),
// invalid hooks and the per-event hook limit (422 Validation Failed), a used-up rate limit (403
// with X-RateLimit-Remaining: 0). Hook lists are paginated with Link headers. Like GitHub it
// shows a stored secret as ******** and, on create and on ping, delivers a ping to the hook's URL
// signed with X-Hub-Signature-256 (HMAC-SHA256 of the body keyed with the secret).
import { createHmac, randomUUID } from 'crypto';
import { deliver, Delivered, FakeAnswer, FakeApi, FakeRequest } from './_fake-api';

export interface GitHubToken {
  /** Classic token scopes (sent back in X-OAuth-Scopes); undefined: a fine-grained token. */
  readonly scopes?: readonly string[];
  /** Fine-grained: has "Webhooks: Read and write". */
  readonly webhooksPermission?: boolean;
  /** Repositories (`owner/name`) and organisations the token's user administers. */
  readonly admin: readonly string[];
}

export interface FakeGitHubHook {
  readonly id: number;
  name: string;
  active: boolean;
  events: string[];
  config: { url: string; content_type: string; insecure_ssl: string; secret?: string };
  readonly deliveries: { id: number; guid: string; event: string; status_code: number; status: string; delivered_at: string }[];
}

const EVENTS = new Set(['*', 'push', 'pull_request', 'create', 'delete', 'release', 'package', 'registry_package', 'workflow_run', 'issues', 'issue_comment', 'deployment', 'status', 'check_run']);
const API = '/api/v3';

export class FakeGitHub extends FakeApi {
  readonly tokens = new Map<string, GitHubToken>();
  /** `repo:owner/name` or `org:name` → hooks. */
  readonly hooks = new Map<string, FakeGitHubHook[]>();
  /** Answer this many calls with a used-up rate limit, resetting after `rateLimitResetSeconds`. */
  rateLimited = 0;
  rateLimitResetSeconds = 1;
  /** GitHub's hooks per event and repository. */
  hookLimit = 20;
  /** Hosts GitHub will not deliver to ("not reachable over the public Internet"). */
  readonly unreachableHosts = new Set<string>();
  private nextId = 1000;
  private readonly pending: Promise<Delivered>[] = [];

  constructor(repositories: readonly string[], organisations: readonly string[] = []) {
    super();
    for (const r of repositories) this.hooks.set(`repo:${r}`, []);
    for (const o of organisations) this.hooks.set(`org:${o}`, []);
  }

  get apiBase(): string {
    return this.origin + API;
  }

  hooksOf(scope: string): FakeGitHubHook[] {
    return this.hooks.get(scope)!;
  }

  /** Adds a hook as if made in the browser; returns it. */
  addHook(scope: string, hook: Omit<FakeGitHubHook, 'id' | 'deliveries'>): FakeGitHubHook {
    const made = { ...hook, id: this.nextId++, deliveries: [] };
    this.hooksOf(scope).push(made);
    return made;
  }

  /** Delivers `event` with `payload` to the hook's URL, signed with its stored secret; the receiver's answer. */
  async deliver(hook: FakeGitHubHook, event: string, payload: object): Promise<Delivered> {
    const body = JSON.stringify(payload);
    const guid = randomUUID();
    const headers: Record<string, string> = { 'User-Agent': 'GitHub-Hookshot/5b6c1f0', 'X-GitHub-Event': event, 'X-GitHub-Delivery': guid, 'X-GitHub-Hook-ID': String(hook.id) };
    if (hook.config.secret) {
      headers['X-Hub-Signature'] = `sha1=${createHmac('sha1', hook.config.secret).update(body).digest('hex')}`;
      headers['X-Hub-Signature-256'] = `sha256=${createHmac('sha256', hook.config.secret).update(body).digest('hex')}`;
    }
    const answer = await deliver(hook.config.url, headers, body);
    hook.deliveries.unshift({ id: this.nextId++, guid, event, status_code: answer.status, status: answer.status === 200 ? 'OK' : `Invalid HTTP Response: ${answer.status}`, delivered_at: new Date().toISOString() });
    return answer;
  }

  /** Waits for the deliveries GitHub started on its own (pings). */
  async settled(): Promise<void> {
    await Promise.all(this.pending);
  }

  protected handle(req: FakeRequest): FakeAnswer {
    const limit = { 'X-RateLimit-Limit': '5000', 'X-RateLimit-Resource': 'core' };
    if (!req.url.pathname.startsWith(API + '/')) return { status: 404, body: { message: 'Not Found' } };
    const auth = /^(?:Bearer|token) (\S+)$/.exec(String(req.headers.authorization ?? ''));
    const token = auth ? this.tokens.get(auth[1]) : undefined;
    if (!token) return { status: 401, body: { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest', status: '401' }, headers: limit };
    if (this.rateLimited > 0) {
      this.rateLimited--;
      const reset = Math.ceil(Date.now() / 1000) + this.rateLimitResetSeconds;
      return { status: 403, body: { message: 'API rate limit exceeded for user ID 1.', documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api' }, headers: { ...limit, 'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': String(reset) } };
    }
    const headers = { ...limit, 'X-RateLimit-Remaining': '4999', 'X-RateLimit-Reset': String(Math.ceil(Date.now() / 1000) + 3600), ...(token.scopes ? { 'X-OAuth-Scopes': token.scopes.join(', ') } : {}) };
    const path = req.url.pathname.slice(API.length);
    const m = /^\/(?:repos\/([^/]+\/[^/]+)|orgs\/([^/]+))\/hooks(?:\/(\d+)(?:\/(pings|deliveries))?)?$/.exec(path);
    if (!m) return { status: 404, body: { message: 'Not Found' }, headers };
    const scopeName = m[1] ?? m[2];
    const scope = m[1] ? `repo:${m[1]}` : `org:${m[2]}`;
    const accepted = m[1] ? ['admin:repo_hook', 'read:repo_hook', 'repo', 'write:repo_hook'] : ['admin:org_hook'];
    const writing = req.method !== 'GET';
    const withAccepted = { ...headers, 'X-Accepted-OAuth-Scopes': accepted.join(', ') };
    const hooks = this.hooks.get(scope);
    if (!hooks || !token.admin.includes(scopeName)) return { status: 404, body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest/webhooks' }, headers: withAccepted };
    if (token.scopes) {
      const usable = m[1] ? (writing ? ['admin:repo_hook', 'write:repo_hook', 'repo'] : accepted) : accepted;
      if (!usable.some((s) => token.scopes!.includes(s))) return { status: 403, body: { message: 'Must have admin rights to Repository.', documentation_url: 'https://docs.github.com/rest/webhooks' }, headers: withAccepted };
    } else if (!token.webhooksPermission) {
      return { status: 403, body: { message: 'Resource not accessible by personal access token', documentation_url: 'https://docs.github.com/rest/webhooks' }, headers };
    }
    const id = m[3] === undefined ? undefined : Number(m[3]);
    if (id === undefined) {
      if (req.method === 'GET') return this.list(req.url, hooks, headers);
      if (req.method === 'POST') return this.create(hooks, req.body, headers);
      return { status: 404, body: { message: 'Not Found' }, headers };
    }
    const hook = hooks.find((h) => h.id === id);
    if (!hook) return { status: 404, body: { message: 'Not Found' }, headers };
    if (m[4] === 'pings' && req.method === 'POST') {
      this.ping(hook);
      return { status: 204, headers };
    }
    if (m[4] === 'deliveries' && req.method === 'GET') return { status: 200, body: hook.deliveries.map((d) => ({ ...d, redelivery: false, duration: 0.01, action: null })), headers };
    if (m[4] !== undefined) return { status: 404, body: { message: 'Not Found' }, headers };
    if (req.method === 'GET') return { status: 200, body: this.shown(hook), headers };
    if (req.method === 'DELETE') {
      hooks.splice(hooks.indexOf(hook), 1);
      return { status: 204, headers };
    }
    if (req.method === 'PATCH') return this.update(hooks, hook, req.body, headers);
    return { status: 404, body: { message: 'Not Found' }, headers };
  }

  private list(url: URL, hooks: FakeGitHubHook[], headers: Record<string, string>): FakeAnswer {
    const perPage = Math.min(100, Number(url.searchParams.get('per_page') ?? 30));
    const page = Number(url.searchParams.get('page') ?? 1);
    const last = Math.max(1, Math.ceil(hooks.length / perPage));
    const link = (p: number, rel: string): string => {
      const u = new URL(url);
      u.searchParams.set('page', String(p));
      return `<${u}>; rel="${rel}"`;
    };
    const links = page < last ? [link(page + 1, 'next'), link(last, 'last')] : [];
    return { status: 200, body: hooks.slice((page - 1) * perPage, page * perPage).map((h) => this.shown(h)), headers: { ...headers, ...(links.length > 0 ? { Link: links.join(', ') } : {}) } };
  }

  private create(hooks: FakeGitHubHook[], body: any, headers: Record<string, string>): FakeAnswer {
    if (body?.name !== undefined && body.name !== 'web') return this.invalid(headers, { resource: 'Hook', code: 'custom', field: 'name', message: 'Name must be "web"' });
    const problem = this.check(hooks, undefined, body);
    if (problem) return problem(headers);
    const hook = this.addHook(`${this.scopeOf(hooks)}`, { name: 'web', active: body.active ?? true, events: body.events ?? ['push'], config: this.config(body.config) });
    this.ping(hook);
    return { status: 201, body: this.shown(hook), headers };
  }

  private update(hooks: FakeGitHubHook[], hook: FakeGitHubHook, body: any, headers: Record<string, string>): FakeAnswer {
    const problem = this.check(hooks, hook, { ...body, config: body?.config ?? hook.config, events: body?.events ?? hook.events });
    if (problem) return problem(headers);
    if (body.config !== undefined) hook.config = this.config(body.config);
    if (body.events !== undefined) hook.events = body.events;
    if (body.active !== undefined) hook.active = body.active;
    return { status: 200, body: this.shown(hook), headers };
  }

  /** GitHub's validation: a reachable http(s) URL, json or form, known events, the hook limit, one hook per URL. */
  private check(hooks: FakeGitHubHook[], self: FakeGitHubHook | undefined, body: any): ((h: Record<string, string>) => FakeAnswer) | undefined {
    const url = body?.config?.url;
    let parsed: URL | undefined;
    try {
      parsed = typeof url === 'string' ? new URL(url) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!parsed || !/^https?:$/.test(parsed.protocol)) return (h) => this.invalid(h, { resource: 'Hook', code: 'custom', message: 'Config must contain a valid URL' });
    if (this.unreachableHosts.has(parsed.hostname)) return (h) => this.invalid(h, { resource: 'Hook', code: 'custom', message: `url is not supported because it isn't reachable over the public Internet (${parsed!.hostname})` });
    if (!['json', 'form', undefined].includes(body.config.content_type)) return (h) => this.invalid(h, { resource: 'Hook', code: 'custom', message: 'Content type must be json or form' });
    const events: unknown = body.events ?? ['push'];
    if (!Array.isArray(events) || events.length === 0) return (h) => this.invalid(h, { resource: 'Hook', code: 'custom', message: 'Events must contain at least one event' });
    const unknown = events.find((e) => !EVENTS.has(String(e)));
    if (unknown !== undefined) return (h) => this.invalid(h, { resource: 'Hook', code: 'custom', message: `Invalid event: "${String(unknown)}"` });
    if (hooks.some((h) => h !== self && h.config.url === url)) return (h) => this.invalid(h, { resource: 'Hook', code: 'custom', message: 'Hook already exists on this repository' });
    for (const e of events) {
      if (hooks.filter((h) => h !== self && h.events.includes(e)).length >= this.hookLimit) {
        return (h) => this.invalid(h, { resource: 'Hook', code: 'custom', message: `The "${e}" event cannot have more than ${this.hookLimit} hooks` });
      }
    }
    return undefined;
  }

  private invalid(headers: Record<string, string>, error: object): FakeAnswer {
    return { status: 422, body: { message: 'Validation Failed', errors: [error], documentation_url: 'https://docs.github.com/rest/webhooks' }, headers };
  }

  private config(config: any): FakeGitHubHook['config'] {
    return { url: config.url, content_type: config.content_type ?? 'form', insecure_ssl: String(config.insecure_ssl ?? '0'), ...(config.secret ? { secret: String(config.secret) } : {}) };
  }

  private shown(h: FakeGitHubHook): object {
    const { secret, ...config } = h.config;
    return { type: 'Repository', id: h.id, name: h.name, active: h.active, events: h.events, config: { ...config, ...(secret ? { secret: '********' } : {}) }, updated_at: new Date().toISOString(), created_at: new Date().toISOString() };
  }

  private scopeOf(hooks: FakeGitHubHook[]): string {
    return [...this.hooks.entries()].find(([, v]) => v === hooks)![0];
  }

  private ping(hook: FakeGitHubHook): void {
    this.pending.push(this.deliver(hook, 'ping', { zen: 'Design for failure.', hook_id: hook.id, hook: { type: 'Repository', id: hook.id, events: hook.events, active: hook.active } }));
  }
}
