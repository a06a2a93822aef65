// Which Secret values verify a receiver's deliveries (token rotation without a URL change). Both
// sources call this with their own way of reading a Secret key, so files and cluster mode agree.
import { parseVerificationKeys, ReceiverObject, VERIFICATION_KEYS_ANNOTATION } from '../../src/model';

/** One verification key: the Secret key's name (safe to log and count) and its value (never). */
export interface VerificationKey {
  readonly name: string;
  readonly value: Buffer;
}

export type VerificationKeysRead =
  /** `keys` is undefined without the annotation: `token` alone verifies, as in Flux. */
  | { readonly ok: true; readonly keys?: readonly VerificationKey[] }
  | { readonly ok: false; readonly reason: string };

/**
 * Resolves the annotation against the Secret. Listed keys missing from the Secret are skipped, so
 * the Secret and the annotation may change in either order during a rotation; none present is an error.
 */
export function readVerificationKeys(object: ReceiverObject, read: (key: string) => Buffer | undefined): VerificationKeysRead {
  const value = object.metadata.annotations?.[VERIFICATION_KEYS_ANNOTATION];
  if (value === undefined) return { ok: true };
  const parsed = parseVerificationKeys(value);
  const where = `annotation ${VERIFICATION_KEYS_ANNOTATION}`;
  if ('problem' in parsed) return { ok: false, reason: `VerificationKeysInvalid: ${where} ${parsed.problem}` };
  const keys = parsed.keys.flatMap((name) => {
    const bytes = read(name);
    return bytes === undefined ? [] : [{ name, value: bytes }];
  });
  if (keys.length === 0) {
    return { ok: false, reason: `VerificationKeysNotFound: the secret holds none of the keys ${parsed.keys.map((k) => `'${k}'`).join(', ')} named by ${where}` };
  }
  return { ok: true, keys };
}
