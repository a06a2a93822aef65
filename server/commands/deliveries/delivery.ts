// What a test delivery is: the headers and body one sender would post, signed the way the
// receiver's provider (server/providers/) verifies it.

export interface DeliveryInput {
  /** The receiver's token bytes, as stored in its Secret. */
  readonly token?: Buffer;
  /** The event to announce (header value); the builder's default when undefined. */
  readonly event: string;
  /** Branch of push-style payloads. */
  readonly branch: string;
  /** An ID token for the Authorization header (generic-oidc, gcr). */
  readonly idToken?: string;
  /** A unique id for this delivery (uuid). */
  readonly deliveryId: string;
  readonly now: Date;
}

export interface Delivery {
  readonly headers: Record<string, string>;
  readonly body: Buffer;
  /** How the receiver authenticates it, for the report, e.g. "X-Hub-Signature-256: HMAC-SHA256 of the body with the token". */
  readonly authentication: string;
}

export interface DeliveryBuilder {
  readonly type: string;
  /** What the token is used for; undefined when the path is the only credential. */
  readonly tokenUse?: 'hmac' | 'header';
  /** The event header's name, for types whose receivers filter on `spec.events`. */
  readonly eventHeader?: string;
  /** Events this builder has a realistic payload for; the first is the default. */
  readonly events: readonly string[];
  /** Needs `--id-token-file`. */
  readonly needsIdToken?: boolean;
  build(input: DeliveryInput): Delivery;
}

/** The body as bytes (what every HMAC is computed over). */
export function jsonBody(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value, null, 2), 'utf8');
}

export const USER_AGENT = 'flux-webhook-receiver-send';
