// Token rotation without a URL change (an extension; Flux reads only `token`). The Receiver's
// annotation names the Secret keys whose values verify deliveries; the webhook path stays derived
// from `token`. Without the annotation the one verification key is `token`, as in Flux.

/** Receiver annotation: comma-separated Secret keys accepted as HMAC keys / shared tokens, in the order tried. */
export const VERIFICATION_KEYS_ANNOTATION = 'cdk8s-flux-webhooks.io/verification-keys';

/** At most this many keys: every rejected delivery is checked against each of them. */
export const MAX_VERIFICATION_KEYS = 4;

/** The types whose Secret `token` is a verification key (HMAC key or shared token), not only a path seed. */
export const TOKEN_VERIFYING_TYPES: readonly string[] = ['github', 'gitlab', 'bitbucket', 'generic-hmac', 'harbor', 'nexus', 'gitea', 'azure-devops', 'standard-webhooks'];

/** A Kubernetes Secret data key. */
const SECRET_KEY_PATTERN = /^(?!\.\.?$)[-._a-zA-Z0-9]{1,253}$/;

/** Why `keys` cannot be a verification key list; undefined when it can. */
export function verificationKeysProblem(keys: readonly string[]): string | undefined {
  if (keys.length === 0) return 'lists no key';
  if (keys.length > MAX_VERIFICATION_KEYS) return `lists ${keys.length} keys, at most ${MAX_VERIFICATION_KEYS} are allowed`;
  const bad = keys.find((k) => !SECRET_KEY_PATTERN.test(k));
  if (bad !== undefined) return `${JSON.stringify(bad)} is not a Secret key (1-253 of a-z, A-Z, 0-9, '-', '_', '.')`;
  const duplicate = keys.find((k, i) => keys.indexOf(k) !== i);
  if (duplicate !== undefined) return `${JSON.stringify(duplicate)} is listed twice`;
  return undefined;
}

/** The annotation value for `keys`. */
export function formatVerificationKeys(keys: readonly string[]): string {
  return keys.join(',');
}

/** Parses the annotation value: the keys, or why it is invalid. */
export function parseVerificationKeys(value: string): { readonly keys: string[] } | { readonly problem: string } {
  const keys = value.split(',').map((k) => k.trim()).filter((k) => k !== '');
  const problem = verificationKeysProblem(keys);
  return problem === undefined ? { keys } : { problem };
}
