// The one HTTP path of the sender APIs: Node's fetch with the token header, bounded answers,
// rate limits waited out (and said so), pagination that never leaves the API's origin (the token
// goes with every page), and failures worded without the token or a hook URL's path.
import { SenderError } from './sender';

/** Sender answers are JSON lists of hooks; more than this is not a hook list. */
const MAX_ANSWER_BYTES = 4 * 1024 * 1024;
const MAX_PAGES = 50;
const MAX_RATE_LIMIT_RETRIES = 3;
const REQUEST_TIMEOUT_MS = 30_000;

export interface SenderResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly body: unknown;
}

export interface SenderHttpOptions {
  /** `GitHub`, `GitLab`, `Gitea`, `Bitbucket`: for messages. */
  readonly sender: string;
  /** The API root without a trailing slash, e.g. `https://api.github.com`. */
  readonly apiBase: string;
  /** Authentication and media type headers; the values are never printed. */
  readonly headers: Readonly<Record<string, string>>;
  /** Turns a refusal into a sentence with what to do; `call` is e.g. `GET /repos/org/webapp/hooks`. */
  readonly describe: (response: SenderResponse, call: string) => string;
  /** Longest wait for a rate limit before giving up. */
  readonly maxWaitMs: number;
  /** Tells the person why the command is waiting. */
  readonly note: (text: string) => void;
  readonly sleep?: (ms: number) => Promise<void>;
}

export class SenderHttp {
  private readonly origin: string;

  constructor(private readonly options: SenderHttpOptions) {
    this.origin = new URL(options.apiBase).origin;
  }

  /** One call; a 2xx answer or a SenderError. `path` starts with `/` and is relative to the API root. */
  async call(method: string, path: string, body?: unknown): Promise<SenderResponse> {
    return this.fetchChecked(method, this.options.apiBase + path, `${method} ${path}`, body);
  }

  /** One call whose refusals the caller reads itself (a test delivery's failure); rate limits are still waited out. */
  async attempt(method: string, path: string, body?: unknown): Promise<SenderResponse> {
    return this.fetchChecked(method, this.options.apiBase + path, `${method} ${path}`, body, true);
  }

  /**
   * Every item of a paginated list: `next` names the following page from an answer, if any;
   * `items` finds the list in an answer (the answer itself, or Bitbucket's `values`).
   */
  async list(path: string, next: (response: SenderResponse) => string | undefined, items: (body: unknown) => unknown = (b) => b): Promise<unknown[]> {
    const all: unknown[] = [];
    let url: string | undefined = this.options.apiBase + path;
    for (let page = 1; url !== undefined; page++) {
      if (page > MAX_PAGES) throw new SenderError(`${this.options.sender}: GET ${path}: more than ${MAX_PAGES} pages of hooks`);
      const response = await this.fetchChecked('GET', url, `GET ${path}`);
      const list = items(response.body);
      if (!Array.isArray(list)) throw new SenderError(`${this.options.sender}: GET ${path}: the answer is not a list`);
      all.push(...list);
      const following = next(response);
      if (following !== undefined && new URL(following, url).origin !== this.origin) {
        throw new SenderError(`${this.options.sender}: GET ${path}: the next page is on another host (${new URL(following, url).host}); not following it with the token`);
      }
      url = following === undefined ? undefined : new URL(following, url).toString();
    }
    return all;
  }

  private async fetchChecked(method: string, url: string, call: string, body?: unknown, anyStatus = false): Promise<SenderResponse> {
    for (let attempt = 0; ; attempt++) {
      const response = await this.fetchOnce(method, url, call, body);
      if (response.status >= 200 && response.status < 300) return response;
      const waitMs = rateLimitWait(response);
      if (waitMs === undefined && anyStatus) return response;
      if (waitMs === undefined) throw new SenderError(`${this.options.sender}: ${call}: ${this.options.describe(response, call)}`);
      const until = new Date(Date.now() + waitMs).toISOString().slice(11, 19);
      if (waitMs > this.options.maxWaitMs || attempt >= MAX_RATE_LIMIT_RETRIES) {
        throw new SenderError(`${this.options.sender}: ${call}: HTTP ${response.status}: rate limit of this token reached until ${until} UTC `
          + `(${Math.ceil(waitMs / 1000)} s): run again then, or allow the wait with --max-wait ${Math.ceil(waitMs / 1000)}`);
      }
      this.options.note(`${this.options.sender} rate limit reached (HTTP ${response.status}): waiting ${Math.ceil(waitMs / 1000)} s, until ${until} UTC\n`);
      await (this.options.sleep ?? sleep)(waitMs);
    }
  }

  private async fetchOnce(method: string, url: string, call: string, body?: unknown): Promise<SenderResponse> {
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: { ...this.options.headers, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        redirect: 'error',
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const why = cause?.code ?? cause?.message ?? (err as Error).message;
      throw new SenderError(`${this.options.sender}: ${call}: cannot reach ${this.origin}: ${why}`);
    }
    const text = await boundedText(response);
    let parsed: unknown = text;
    if (text !== '') {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    return { status: response.status, headers: response.headers, body: parsed };
  }
}

/** How long a rate-limited answer asks to wait (ms), or undefined when it is no rate limit. */
export function rateLimitWait(response: SenderResponse, now = Date.now()): number | undefined {
  const h = response.headers;
  const limited = response.status === 429 || (response.status === 403 && (h.get('x-ratelimit-remaining') === '0' || h.has('retry-after')));
  if (!limited) return undefined;
  const retryAfter = h.get('retry-after');
  if (retryAfter !== null && /^\d+$/.test(retryAfter)) return Number(retryAfter) * 1000;
  // GitHub and Gitea: X-RateLimit-Reset; GitLab: RateLimit-Reset. Both epoch seconds.
  const reset = h.get('x-ratelimit-reset') ?? h.get('ratelimit-reset');
  if (reset !== null && /^\d+$/.test(reset)) return Math.max(0, Number(reset) * 1000 - now) + 1000;
  return 60_000;
}

/** The `rel="next"` target of a Link header (GitHub, Gitea, GitLab). */
export function linkNext(response: SenderResponse): string | undefined {
  const link = response.headers.get('link');
  if (!link) return undefined;
  for (const part of link.split(',')) {
    const m = /^\s*<([^>]*)>\s*;(.*)$/.exec(part);
    if (m && /\brel="?next"?/.test(m[2])) return m[1];
  }
  return undefined;
}

/** The sender's own message of a refusal (`message`, GitLab's `error_description`), bounded and without hook paths. */
export function senderMessage(body: unknown): string {
  let text: string;
  if (typeof body === 'string') {text = body;} else if (body && typeof body === 'object') {
    const b = body as { message?: unknown; error_description?: unknown; error?: unknown };
    // Bitbucket: { "type": "error", "error": { "message": … } }.
    const nested = b.error && typeof b.error === 'object' ? (b.error as { message?: unknown }).message : undefined;
    const m = b.message ?? b.error_description ?? nested ?? b.error;
    text = typeof m === 'string' ? m : JSON.stringify(m ?? body);
  } else {text = '';}
  return redactHookPaths(text.replace(/\s+/g, ' ').trim().slice(0, 300));
}

/** A webhook path stands for the token: only its first characters are shown. */
export function redactHookPaths(text: string): string {
  return text.replace(/\/hook\/([0-9a-f]{8})[0-9a-f]*/gi, '/hook/$1…');
}

async function boundedText(response: Response): Promise<string> {
  if (!response.body) return '';
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.length;
    if (size > MAX_ANSWER_BYTES) throw new SenderError(`the answer is larger than ${MAX_ANSWER_BYTES} bytes`);
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks).toString('utf8');
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
