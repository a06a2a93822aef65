// The contract every provider implements. A provider is pure: it gets the buffered request and
// the receiver's secret and returns a verdict. The only I/O a provider may need (OIDC / Google
// signing keys) comes in through `ProviderContext.verifiers`, so the composition root (server/app)
// and the tests decide how keys are fetched and cached.
import type { IncomingHttpHeaders } from 'http';
import type { ReceiverSpec } from '../../src/model';

/** A webhook request after the body was buffered (at most 3 MiB). */
export interface WebhookRequest {
  readonly method: string;
  /** Node's lowercased headers. For a repeated header, providers use the first value, like Go. */
  readonly headers: IncomingHttpHeaders;
  /** The raw body bytes; every HMAC is computed over these. */
  readonly body: Buffer;
}

/** Values of the receiver's Secret (`token`; `email` and `audience` for gcr). Raw bytes, as Flux reads them. */
export interface ReceiverSecret {
  readonly token?: Buffer;
  readonly email?: Buffer;
  readonly audience?: Buffer;
}

/** Verifies JWTs against an issuer's published keys (OIDC discovery + JWKS, or Google's certs). */
export interface TokenVerifier {
  /**
   * Verifies signature, expiry and the given issuer/audience; resolves to the claims, rejects
   * with an Error whose message says what failed.
   */
  verify(token: string, expected: { readonly issuer: string | readonly string[]; readonly audience: string }): Promise<Record<string, unknown>>;
}

export interface ProviderContext {
  readonly name: string;
  readonly namespace: string;
  readonly spec: ReceiverSpec;
  /** Undefined for generic-oidc (no secretRef). */
  readonly secret?: ReceiverSecret;
  /** Key-fetching verifier for OIDC issuers; `google` verifies Google-signed ID tokens (gcr). */
  readonly verifiers: { readonly oidc: TokenVerifier; readonly google: TokenVerifier };
}

export type Verdict = Accepted | Rejected;

export interface Accepted {
  readonly ok: true;
  /** The event name, for types that have one (github `X-GitHub-Event`, gitlab `X-Gitlab-Event`, …). */
  readonly event?: string;
  /** What Flux logs for this delivery ("handling GitHub event: push"), without secrets. */
  readonly description: string;
  /** The sender's delivery id when it sends one (`X-GitHub-Delivery`, …), for logs. */
  readonly deliveryId?: string;
  /**
   * The body later steps see (CEL `req`): usually the raw body; the extracted `payload` field of
   * a form post; gcr's unwrapped `{action,digest,tag}`.
   */
  readonly payload: Buffer;
  /**
   * Whether `payload` is JSON for CEL purposes: the request's Content-Type lists application/json,
   * exactly as Flux decides it (also for gcr, whose unwrapped body is JSON under Pub/Sub's
   * `application/json`; a form post's extracted payload is not).
   */
  readonly payloadIsJson: boolean;
  /** Verified OIDC claims (generic-oidc only). */
  readonly claims?: Record<string, unknown>;
}

export interface Rejected {
  readonly ok: false;
  /** Why, for the log line; never contains the token or a signature. Answered as HTTP 400. */
  readonly reason: string;
}

export interface Provider {
  readonly type: string;
  validate(request: WebhookRequest, context: ProviderContext): Verdict | Promise<Verdict>;
}
