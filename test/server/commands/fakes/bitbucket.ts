// A fake Bitbucket Cloud REST API (2.0) for repository and workspace webhooks. It refuses what
// Bitbucket refuses: unknown tokens (401), a token without the webhook scope (403 with the
// granted and required scopes), no admin rights (403), unknown repositories (404), an invalid
// URL, no description or unknown events (400 with field errors). Lists are pages of `values`
// with a `next` URL. It shows only `secret_set`; deliveries carry X-Event-Key and, with a
// secret, X-Hub-Signature: sha256=<hex HMAC-SHA256 of the body keyed with it>.
import { createHmac, randomUUID } from 'crypto';
import { deliver, Delivered, FakeAnswer, FakeApi, FakeRequest } from './_fake-api';

export interface BitbucketToken {
  readonly scopes: readonly string[];
  /** Repositories (`workspace/slug`) and workspaces it administers. */
  readonly admin: readonly string[];
}

export interface FakeBitbucketHook {
  readonly uuid: string;
  url: string;
  description: string;
  active: boolean;
  events: string[];
  secret?: string;
}

const EVENTS = new Set(['repo:push', 'repo:fork', 'repo:updated', 'repo:commit_status_updated', 'pullrequest:created', 'pullrequest:updated', 'pullrequest:fulfilled', 'issue:created']);
const API = '/2.0';
const error = (status: number, message: string, extra: object = {}): FakeAnswer => ({ status, body: { type: 'error', error: { message, ...extra } } });

export class FakeBitbucket extends FakeApi {
  readonly tokens = new Map<string, BitbucketToken>();
  /** `repositories:<workspace/slug>` or `workspaces:<workspace>` → hooks. */
  readonly hooks = new Map<string, FakeBitbucketHook[]>();

  constructor(repositories: readonly string[], workspaces: readonly string[] = []) {
    super();
    for (const r of repositories) this.hooks.set(`repositories:${r}`, []);
    for (const w of workspaces) this.hooks.set(`workspaces:${w}`, []);
  }

  hooksOf(scope: string): FakeBitbucketHook[] {
    return this.hooks.get(scope)!;
  }

  addHook(scope: string, hook: Omit<FakeBitbucketHook, 'uuid'>): FakeBitbucketHook {
    const made = { ...hook, uuid: `{${randomUUID()}}` };
    this.hooksOf(scope).push(made);
    return made;
  }

  /** Delivers `event` as Bitbucket Cloud does. */
  deliver(hook: FakeBitbucketHook, event: string, payload: object): Promise<Delivered> {
    const body = JSON.stringify(payload);
    return deliver(hook.url, {
      'User-Agent': 'Bitbucket-Webhooks/2.0',
      'X-Event-Key': event,
      'X-Hook-UUID': hook.uuid,
      'X-Request-UUID': randomUUID(),
      'X-Attempt-Number': '1',
      ...(hook.secret ? { 'X-Hub-Signature': `sha256=${createHmac('sha256', hook.secret).update(body).digest('hex')}` } : {}),
    }, body);
  }

  protected handle(req: FakeRequest): FakeAnswer {
    const auth = /^Bearer (\S+)$/.exec(String(req.headers.authorization ?? ''));
    const token = auth ? this.tokens.get(auth[1]) : undefined;
    if (!token) return error(401, 'Token is invalid, expired, or not supported for this endpoint.');
    const m = /^\/(repositories\/[^/]+\/[^/]+|workspaces\/[^/]+)\/hooks(?:\/([^/]+))?$/.exec(req.url.pathname.slice(API.length));
    if (!req.url.pathname.startsWith(API + '/') || !m) return error(404, 'Resource not found');
    const [kind, ...rest] = m[1].split('/');
    const name = rest.join('/');
    const hooks = this.hooks.get(`${kind}:${name}`);
    if (!hooks) return error(404, kind === 'repositories' ? `Repository ${name} not found` : `Workspace ${name} not found`);
    if (!token.scopes.includes('webhook')) return error(403, 'Your credentials lack one or more required privilege scopes.', { detail: { granted: token.scopes, required: ['webhook'] } });
    if (!token.admin.includes(name)) return error(403, `You must be an administrator of ${name} to manage its webhooks`);
    const uid = m[2] === undefined ? undefined : decodeURIComponent(m[2]);
    if (uid === undefined) {
      if (req.method === 'GET') {
        const pagelen = Math.min(100, Number(req.url.searchParams.get('pagelen') ?? 10));
        const page = Number(req.url.searchParams.get('page') ?? 1);
        const next = new URL(req.url);
        next.searchParams.set('page', String(page + 1));
        const values = hooks.slice((page - 1) * pagelen, page * pagelen).map((h) => this.shown(h, kind));
        const more = page * pagelen < hooks.length ? { next: next.toString() } : {};
        return { status: 200, body: { pagelen, page, size: hooks.length, values, ...more } };
      }
      if (req.method === 'POST') {
        const problem = this.check(req.body);
        if (problem) return problem;
        const body = req.body as any;
        const secret = body.secret ? { secret: String(body.secret) } : {};
        const hook = this.addHook(`${kind}:${name}`, { url: body.url, description: body.description, active: body.active ?? true, events: body.events, ...secret });
        return { status: 201, body: this.shown(hook, kind) };
      }
      return error(405, 'Method not allowed');
    }
    const hook = hooks.find((h) => h.uuid === uid);
    if (!hook) return error(404, 'Webhook not found');
    if (req.method === 'GET') return { status: 200, body: this.shown(hook, kind) };
    if (req.method === 'DELETE') {
      hooks.splice(hooks.indexOf(hook), 1);
      return { status: 204 };
    }
    if (req.method === 'PUT') {
      const body = req.body as any;
      const problem = this.check({ ...this.shown(hook, kind), ...body });
      if (problem) return problem;
      hook.url = body.url ?? hook.url;
      hook.description = body.description ?? hook.description;
      hook.active = body.active ?? hook.active;
      hook.events = body.events ?? hook.events;
      // Left out: kept; null: removed.
      if (body.secret === null) delete hook.secret;
      else if (body.secret !== undefined) hook.secret = body.secret;
      return { status: 200, body: this.shown(hook, kind) };
    }
    return error(405, 'Method not allowed');
  }

  private check(body: any): FakeAnswer | undefined {
    const fields: Record<string, string[]> = {};
    if (typeof body?.url !== 'string' || !/^https?:\/\/[^/]/.test(body.url)) fields.url = ['Enter a valid URL.'];
    if (typeof body?.description !== 'string' || body.description === '') fields.description = ['This field is required.'];
    if (!Array.isArray(body?.events) || body.events.length === 0 || body.events.some((e: unknown) => !EVENTS.has(String(e)))) fields.events = ['Invalid event list.'];
    return Object.keys(fields).length > 0 ? error(400, 'Bad request', { fields }) : undefined;
  }

  private shown(h: FakeBitbucketHook, kind: string): object {
    return {
      type: 'webhook_subscription',
      uuid: h.uuid,
      url: h.url,
      description: h.description,
      subject_type: kind === 'repositories' ? 'repository' : 'workspace',
      active: h.active,
      events: h.events,
      secret_set: h.secret !== undefined,
      skip_cert_verification: false,
    };
  }
}
