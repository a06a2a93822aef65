// Redelivery and replay (an extension; Flux patches for every copy). A copy of a delivery (same
// receiver, same sender delivery id, same body) that arrives within the window after a copy has
// succeeded is answered 200 without a new patch: that copy's success means a patch that started
// after its arrival succeeded for every target, so the 2xx promise still holds. A copy whose
// predecessor is still in flight or failed is handled normally. Only verified deliveries get
// here (the pipeline asks after the provider check), so nobody without the key can fill the window.
import { createHash } from 'crypto';
import type { IncomingHttpHeaders } from 'http';

/** Succeeded deliveries remembered at most (about 100 bytes each); the oldest is forgotten first. */
export const MAX_REMEMBERED_DELIVERIES = 10_000;
/** Longer ids are not a sender's delivery id: such deliveries are handled normally. */
const MAX_ID_LENGTH = 200;

/**
 * Per receiver type, the headers whose value a sender keeps across retries and redeliveries of
 * one delivery; the first present is used. Types not listed are never deduplicated.
 */
export const DELIVERY_ID_HEADERS: Readonly<Record<string, readonly string[]>> = {
  'github': ['x-github-delivery'],
  // GitLab 17.4+ keeps Idempotency-Key across retries; X-Gitlab-Event-UUID identifies the event
  // (not X-Gitlab-Webhook-UUID, which names the hook and is the same for all its deliveries).
  'gitlab': ['idempotency-key', 'x-gitlab-event-uuid'],
  // Bitbucket Cloud; Bitbucket Server's X-Request-Id is not documented as stable across retries.
  'bitbucket': ['x-request-uuid'],
  // Files-mode sender types (extensions): Forgejo/Gitea keep their delivery GUID on redelivery.
  'standard-webhooks': ['webhook-id'],
  'gitea': ['x-forgejo-delivery', 'x-gitea-delivery'],
};

export interface DuplicateDeliveriesOptions {
  /** How long after its arrival a succeeded delivery answers its copies (ms, > 0). */
  readonly windowMs: number;
  /** @default MAX_REMEMBERED_DELIVERIES */
  readonly capacity?: number;
  /** @default Date.now */
  readonly now?: () => number;
}

export class DuplicateDeliveries {
  /** Digest of (receiver, id, body) → arrival (epoch ms) of the copy that succeeded; insertion order ≈ age. */
  private readonly succeeded = new Map<string, number>();
  private readonly capacity: number;
  private readonly now: () => number;

  constructor(private readonly options: DuplicateDeliveriesOptions) {
    this.capacity = options.capacity ?? MAX_REMEMBERED_DELIVERIES;
    this.now = options.now ?? Date.now;
  }

  /** The key of a verified delivery, or undefined when its type or request carries no usable delivery id. */
  keyOf(receiver: string, type: string, headers: IncomingHttpHeaders, body: Buffer): string | undefined {
    const id = firstHeader(headers, DELIVERY_ID_HEADERS[type] ?? []);
    if (id === undefined || id === '' || id.length > MAX_ID_LENGTH) return undefined;
    // A digest, so memory per entry is bounded and the id never sits in memory in a readable form;
    // the body is part of it so a copy must be byte-for-byte the same delivery.
    return createHash('sha256').update(`${receiver}\u0000${id}\u0000`).update(body).digest('base64');
  }

  /** Whether a copy with `key` succeeded within the window. */
  hasSucceeded(key: string): boolean {
    const arrivedAt = this.succeeded.get(key);
    if (arrivedAt === undefined) return false;
    if (arrivedAt + this.options.windowMs > this.now()) return true;
    this.succeeded.delete(key);
    return false;
  }

  /** Remembers that the copy with `key` that arrived at `arrivedAt` succeeded. */
  recordSuccess(key: string, arrivedAt: number): void {
    this.succeeded.delete(key);
    this.succeeded.set(key, arrivedAt);
    this.evict();
  }

  /** Remembered deliveries (for tests and the memory bound). */
  get size(): number {
    return this.succeeded.size;
  }

  private evict(): void {
    const expired = this.now() - this.options.windowMs;
    for (const [key, arrivedAt] of this.succeeded) {
      if (this.succeeded.size <= this.capacity && arrivedAt > expired) break;
      this.succeeded.delete(key);
    }
  }
}

function firstHeader(headers: IncomingHttpHeaders, names: readonly string[]): string | undefined {
  for (const name of names) {
    const value = headers[name];
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) return first;
  }
  return undefined;
}
