// A fake Gitea REST API (v1, also what Forgejo serves) for repository and organisation webhooks.
// It refuses what Gitea refuses: unknown tokens (401), a token without write:repository or
// write:organization (403 naming the scope), a user without admin rights (403), unknown
// repositories (404), unknown events and invalid URLs (422). Lists are paginated (page, limit)
// with Link and X-Total-Count. The secret is never shown. Deliveries of `gitea` hooks are signed
// in X-Gitea-Signature: the hex HMAC-SHA256 of the body keyed with the stored secret.
import { createHmac, randomUUID } from 'crypto';
import { deliver, Delivered, FakeAnswer, FakeApi, FakeRequest } from './_fake-api';

export interface GiteaToken {
  readonly scopes: readonly string[];
  /** Repositories and organisations the user administers. */
  readonly admin: readonly string[];
}

export interface FakeGiteaHook {
  readonly id: number;
  type: string;
  active: boolean;
  events: string[];
  config: { url: string; content_type: string; secret?: string };
}

const EVENTS = new Set(['create', 'delete', 'fork', 'push', 'issues', 'issue_comment', 'pull_request', 'release', 'package', 'wiki', 'repository']);
const API = '/api/v1';

export class FakeGitea extends FakeApi {
  readonly tokens = new Map<string, GiteaToken>();
  /** `repos:<owner/name>` or `orgs:<org>` → hooks. */
  readonly hooks = new Map<string, FakeGiteaHook[]>();
  private nextId = 1;

  constructor(repositories: readonly string[], organisations: readonly string[] = []) {
    super();
    for (const r of repositories) this.hooks.set(`repos:${r}`, []);
    for (const o of organisations) this.hooks.set(`orgs:${o}`, []);
  }

  hooksOf(scope: string): FakeGiteaHook[] {
    return this.hooks.get(scope)!;
  }

  /** Delivers `event` as a gitea hook does. */
  deliver(hook: FakeGiteaHook, event: string, payload: object): Promise<Delivered> {
    const body = JSON.stringify(payload);
    const signature = createHmac('sha256', hook.config.secret ?? '').update(body).digest('hex');
    return deliver(hook.config.url, {
      'User-Agent': 'Go-http-client/1.1',
      'X-Gitea-Delivery': randomUUID(),
      'X-Gitea-Event': event,
      'X-Gitea-Event-Type': event,
      'X-Gitea-Signature': hook.config.secret ? signature : '',
      'X-Gogs-Event': event,
      'X-Hub-Signature-256': hook.config.secret ? `sha256=${signature}` : '',
    }, body);
  }

  protected handle(req: FakeRequest): FakeAnswer {
    const documentation = `${this.origin}/api/swagger`;
    const auth = /^(?:token|Bearer) (\S+)$/.exec(String(req.headers.authorization ?? ''));
    const token = auth ? this.tokens.get(auth[1]) : undefined;
    if (!token) return { status: 401, body: { message: 'user does not exist [uid: 0, name: ]', url: documentation } };
    const m = /^\/(repos\/[^/]+\/[^/]+|orgs\/[^/]+)\/hooks(?:\/(\d+))?$/.exec(req.url.pathname.slice(API.length));
    if (!req.url.pathname.startsWith(API + '/') || !m) return { status: 404, body: { errors: null, message: 'The target couldn\'t be found.', url: documentation } };
    const [kind, ...rest] = m[1].split('/');
    const name = rest.join('/');
    const hooks = this.hooks.get(`${kind}:${name}`);
    if (!hooks) return { status: 404, body: { errors: null, message: 'The target couldn\'t be found.', url: documentation } };
    const scope = kind === 'repos' ? 'repository' : 'organization';
    const needed = req.method === 'GET' ? [`read:${scope}`, `write:${scope}`] : [`write:${scope}`];
    if (!needed.some((s) => token.scopes.includes(s))) return { status: 403, body: { message: `token does not have at least one of required scope(s): [${needed.join(' ')}]`, url: documentation } };
    if (!token.admin.includes(name)) return { status: 403, body: { message: 'user should be an owner or a collaborator with admin write of a repository', url: documentation } };
    const id = m[2] === undefined ? undefined : Number(m[2]);
    if (id === undefined) {
      if (req.method === 'GET') {
        const limit = Math.min(50, Number(req.url.searchParams.get('limit') ?? 50));
        const page = Number(req.url.searchParams.get('page') ?? 1);
        const next = new URL(req.url);
        next.searchParams.set('page', String(page + 1));
        const more = page * limit < hooks.length;
        return { status: 200, body: hooks.slice((page - 1) * limit, page * limit).map((h) => this.shown(h)), headers: { 'X-Total-Count': String(hooks.length), ...(more ? { Link: `<${next}>; rel="next"` } : {}) } };
      }
      if (req.method === 'POST') {
        const body = req.body as any;
        const problem = this.check(body);
        if (problem) return problem;
        if (!['gitea', 'forgejo', 'slack', 'discord'].includes(body.type)) return { status: 422, body: { message: `Invalid hook type: ${String(body.type)}`, url: documentation } };
        const hook: FakeGiteaHook = { id: this.nextId++, type: body.type, active: body.active ?? false, events: body.events ?? ['push'], config: { url: body.config.url, content_type: body.config.content_type, secret: body.config.secret } };
        hooks.push(hook);
        return { status: 201, body: this.shown(hook) };
      }
      return { status: 405 };
    }
    const hook = hooks.find((h) => h.id === id);
    if (!hook) return { status: 404, body: { errors: null, message: 'The target couldn\'t be found.', url: documentation } };
    if (req.method === 'GET') return { status: 200, body: this.shown(hook) };
    if (req.method === 'DELETE') {
      hooks.splice(hooks.indexOf(hook), 1);
      return { status: 204 };
    }
    if (req.method === 'PATCH') {
      const body = req.body as any;
      const problem = this.check({ ...body, config: { ...hook.config, ...body.config } });
      if (problem) return problem;
      // Gitea merges config keys: an update without `secret` keeps the stored one.
      hook.config = { ...hook.config, ...body.config };
      if (body.events !== undefined) hook.events = body.events;
      if (body.active !== undefined) hook.active = body.active;
      return { status: 200, body: this.shown(hook) };
    }
    return { status: 405 };
  }

  private check(body: any): FakeAnswer | undefined {
    if (typeof body?.config?.url !== 'string' || !/^https?:\/\/[^/]/.test(body.config.url)) return { status: 422, body: { message: 'Invalid url', url: `${this.origin}/api/swagger` } };
    if (!['json', 'form'].includes(body.config.content_type)) return { status: 422, body: { message: 'Invalid content type', url: `${this.origin}/api/swagger` } };
    const unknown = (body.events ?? []).find((e: string) => !EVENTS.has(e));
    if (unknown !== undefined) return { status: 422, body: { message: `Invalid event: ${unknown}`, url: `${this.origin}/api/swagger` } };
    return undefined;
  }

  private shown(h: FakeGiteaHook): object {
    return { id: h.id, type: h.type, branch_filter: '*', config: { url: h.config.url, content_type: h.config.content_type, http_method: 'post' }, events: h.events, authorization_header: '', active: h.active };
  }
}
