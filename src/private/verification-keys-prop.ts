// `verificationKeys` of a receiver (token rotation without a URL change, an extension of the
// bundled server): checked when the receiver is defined, rendered as a Receiver annotation.
import { formatVerificationKeys, MAX_VERIFICATION_KEYS, TOKEN_VERIFYING_TYPES, VERIFICATION_KEYS_ANNOTATION, verificationKeysProblem } from '../model';

/** The validated keys, or undefined when none are given. Throws naming the receiver, the value and the fix. */
export function checkVerificationKeys(what: string, type: string, keys: string[] | undefined): string[] | undefined {
  if (keys === undefined) return undefined;
  const value = JSON.stringify(keys);
  if (!Array.isArray(keys)) throw new Error(`${what}: verificationKeys ${value} is not a list: pass e.g. verificationKeys: ['token', 'token.next']`);
  if (!TOKEN_VERIFYING_TYPES.includes(type)) {
    throw new Error(`${what}: verificationKeys ${value} cannot be used with a ${type} receiver, whose token only derives the URL (the URL is the secret): `
      + `remove verificationKeys; they apply to ${TOKEN_VERIFYING_TYPES.join(', ')}`);
  }
  const problem = verificationKeysProblem(keys);
  if (problem !== undefined) {
    throw new Error(`${what}: verificationKeys ${value} ${problem}: list 1 to ${MAX_VERIFICATION_KEYS} distinct Secret keys, e.g. ['token', 'token.next'], or omit it to verify with 'token' alone`);
  }
  return [...keys];
}

/** The Receiver annotation that carries `keys`: none without them, so Flux-only receivers render as before. */
export function verificationKeysAnnotations(keys: string[] | undefined): { [key: string]: string } {
  return keys === undefined ? {} : { [VERIFICATION_KEYS_ANNOTATION]: formatVerificationKeys(keys) };
}

/** Why FluxReceivers refuses a receiver with verification keys. */
export function fluxVerificationKeysError(what: string, keys: string[]): string {
  return `${what}: verificationKeys ${JSON.stringify(keys)} are an extension of the bundled server: Flux's notification-controller verifies with 'token' only and would ignore them, `
    + 'so a sender switched to another key would be refused: remove verificationKeys, or serve the receiver with WebhookReceiver (files or cluster mode)';
}
