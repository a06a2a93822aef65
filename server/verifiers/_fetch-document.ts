// GET of a discovery document or key set: status 200 required (as go-oidc), redirects followed
// (up to 10, as Go's HTTP client), the body capped, a timeout on the whole exchange, and the
// `Cache-Control` freshness the server asks for. Extra CAs can be trusted (tests use a private CA).
import * as http from 'http';
import * as https from 'https';
import { rootCertificates } from 'tls';

export interface FetchOptions {
  readonly timeoutMs: number;
  /** Additional trusted CA certificates (PEM), on top of the system ones. */
  readonly ca?: string | Buffer | ReadonlyArray<string | Buffer>;
}

export interface FetchedDocument {
  readonly body: Buffer;
  /** Seconds the response may be reused per `Cache-Control` (`max-age` minus `Age`; 0 for no-cache/no-store); undefined when unstated. */
  readonly maxAgeSeconds?: number;
}

const MAX_BODY_BYTES = 1024 * 1024;
const MAX_REDIRECTS = 10;

/** Freshness from `Cache-Control` and `Age`, in seconds. */
export function freshnessSeconds(cacheControl: string | undefined, age: string | undefined): number | undefined {
  if (!cacheControl) return undefined;
  const directives = cacheControl.toLowerCase().split(',').map((d) => d.trim());
  if (directives.some((d) => d === 'no-store' || d === 'no-cache')) return 0;
  const maxAge = directives.map((d) => /^max-age\s*=\s*"?(\d+)"?$/.exec(d)).find((m) => m !== null);
  if (!maxAge) return undefined;
  const ageSeconds = age !== undefined && /^\d+$/.test(age.trim()) ? Number(age.trim()) : 0;
  return Math.max(0, Number(maxAge[1]) - ageSeconds);
}

function getOnce(url: URL, options: FetchOptions, signal: AbortSignal): Promise<{ status: number; location?: string; doc?: FetchedDocument }> {
  return new Promise((resolve, reject) => {
    const client = url.protocol === 'https:' ? https : url.protocol === 'http:' ? http : undefined;
    if (!client) {
      reject(new Error(`unsupported protocol scheme ${JSON.stringify(url.protocol)}`));
      return;
    }
    const ca = options.ca === undefined ? undefined : [...(Array.isArray(options.ca) ? options.ca : [options.ca]), ...rootCertificates];
    const req = client.get(url, { signal, headers: { accept: 'application/json' }, ...(ca && url.protocol === 'https:' ? { ca } : {}) }, (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && res.headers.location) {
        res.resume();
        resolve({ status, location: res.headers.location });
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) {
          req.destroy(new Error(`response larger than ${MAX_BODY_BYTES} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () => {
        const age = res.headers.age;
        resolve({
          status,
          doc: { body: Buffer.concat(chunks), maxAgeSeconds: freshnessSeconds(res.headers['cache-control'], Array.isArray(age) ? age[0] : age) },
        });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

/** Fetches `url`; rejects with the reason (callers name the URL) on any failure. */
export async function fetchDocument(url: string, options: FetchOptions): Promise<FetchedDocument> {
  const signal = AbortSignal.timeout(options.timeoutMs);
  try {
    let target = new URL(url);
    for (let redirects = 0; ; redirects++) {
      const { status, location, doc } = await getOnce(target, options, signal);
      if (location !== undefined) {
        if (redirects >= MAX_REDIRECTS) throw new Error('stopped after 10 redirects');
        target = new URL(location, target);
        continue;
      }
      if (status !== 200) throw new Error(`HTTP ${status}`);
      return doc!;
    }
  } catch (err) {
    const e = err as Error;
    const reason = e.name === 'TimeoutError' || e.name === 'AbortError' ? `timed out after ${options.timeoutMs} ms` : e.message;
    throw new Error(reason);
  }
}
