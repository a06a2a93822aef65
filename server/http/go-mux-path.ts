// Where Flux's Go ServeMux, with its single subtree `/hook/`, sends a request target: a redirect
// to the clean path, a 404, or the hook subtree. The raw target (query included) is what the
// pipeline matches receivers against.
import { posix } from 'path';
import { HOOK_PATH_PREFIX } from '../../src/model';

/** `/hook` without the trailing slash: Go's mux redirects it to the subtree. */
const HOOK_PATH_BARE = HOOK_PATH_PREFIX.slice(0, -1);

export type MuxRoute =
  | { readonly kind: 'redirect'; readonly location: string }
  | { readonly kind: 'not-found' }
  | { readonly kind: 'hook' };

/** The mux's decision for a request target (`req.url`). */
export function muxRoute(target: string): MuxRoute {
  const queryAt = target.indexOf('?');
  const query = queryAt < 0 ? '' : target.slice(queryAt);
  const path = routingPath(queryAt < 0 ? target : target.slice(0, queryAt));
  const clean = cleanPath(path);
  if (clean !== path) return { kind: 'redirect', location: clean + query };
  if (path === HOOK_PATH_BARE) return { kind: 'redirect', location: HOOK_PATH_PREFIX + query };
  if (!path.startsWith(HOOK_PATH_PREFIX)) return { kind: 'not-found' };
  return { kind: 'hook' };
}

/** The path part used for routing; absolute-form targets (`http://host/p`) route on their path, like Go. */
export function routingPath(raw: string): string {
  if (raw.startsWith('/')) return raw;
  try {
    return new URL(raw).pathname;
  } catch {
    return '/';
  }
}

/** Go's cleanPath: rooted, `.`/`..`/`//` resolved, trailing slash kept. */
export function cleanPath(path: string): string {
  if (path === '') return '/';
  // Nothing to resolve without an empty, `.` or `..` segment (the common case: skip normalize).
  if (path.charCodeAt(0) === 47 && !path.includes('//') && !path.includes('/.')) return path;
  const rooted = path.startsWith('/') ? path : '/' + path;
  let clean = posix.normalize(rooted);
  if (rooted.endsWith('/') && !clean.endsWith('/')) clean += '/';
  return clean;
}
