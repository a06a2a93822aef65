import { createHash } from 'crypto';

/** Every webhook path starts with this prefix. */
export const HOOK_PATH_PREFIX = '/hook/';

/**
 * Flux's webhook path: `/hook/` + lowercase hex SHA-256 of token ‖ name ‖ namespace,
 * concatenated without separators. generic-oidc receivers have no token (empty string),
 * so their path is not secret.
 */
export function hookPath(token: string | Uint8Array, name: string, namespace: string): string {
  return HOOK_PATH_PREFIX + createHash('sha256').update(token).update(name).update(namespace).digest('hex');
}
