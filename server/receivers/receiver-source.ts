// Where receivers come from (files or the cluster) and what the HTTP pipeline needs to know
// about each. Sources keep the receivers-by-path index current; the hot path only reads it.
import type { VerificationKey } from './read-verification-keys';
import type { ReceiverObject } from '../../src/model';
import type { ReceiverSecret } from '../providers/provider';

export interface ServedReceiver {
  /** `<namespace>/<name>`. */
  readonly key: string;
  readonly object: ReceiverObject;
  /** `/hook/<sha256>`; undefined while the secret cannot be read (Flux clears the path: 404). */
  readonly webhookPath?: string;
  readonly secret?: ReceiverSecret;
  /** The keys that verify deliveries when the Receiver names them (token rotation); undefined: `token`, as in Flux. */
  readonly verificationKeys?: readonly VerificationKey[];
  /** False while the receiver cannot serve (invalid definition, missing secret, bad CEL): 503. */
  readonly ready: boolean;
  /** Why it is not ready, for logs and status (e.g. "TokenNotFound: …"). */
  readonly notReadyReason?: string;
  /** Where the definition came from, for error messages ("receivers.yaml#2" or "cluster"). */
  readonly origin: string;
}

export interface ReceiverSource {
  /** Starts loading/watching; calls `onChange` with the complete current set after every change. */
  start(onChange: (receivers: readonly ServedReceiver[]) => void): Promise<void>;
  stop(): Promise<void>;
}
