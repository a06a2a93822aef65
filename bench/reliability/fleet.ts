// What every part of the long form runs against: one namespace of GitRepositories, six receivers
// of different types (one with a CEL resourceFilter, two sharing a target), their tokens, signed
// deliveries built the way `flux-webhook-receiver send` builds them, the bundled server started
// over them, and the ledger that checks each answer against what the apiserver stored.
import { createHmac, randomBytes, randomUUID } from 'crypto';
import { encodeRequest, RawAnswer, RawConnection, RawRequest } from './raw-http';
import { deliveryBuilder } from '../../server/commands/deliveries';
import { hookPath } from '../../src/model';
import type { TestApiServer } from '../../test/harness/apiserver';
import { apply, createTestNamespace } from '../../test/harness/kube';
import { BundleProcess } from '../../test/harness/server-process';
import { StoredValues } from '../../test/harness/stored-values';
import { gitRepository, receiver } from '../../test/server/receiver-fixture';

/** What every part gets from the command. */
export interface PartContext {
  readonly api: TestApiServer;
  readonly fleet: Fleet;
  readonly stored: StoredValues;
  readonly log: (message: string) => void;
}

export interface FleetReceiver {
  readonly name: string;
  readonly type: 'github' | 'gitlab' | 'generic' | 'generic-hmac' | 'dockerhub';
  readonly token: string;
  readonly path: string;
  readonly targets: readonly string[];
  /** resourceFilter: only `req.ref == 'refs/heads/main'` reconciles (a missing ref is an evaluation error: 500). */
  readonly celFilter?: boolean;
}

export const CEL_FILTER = "req.ref == 'refs/heads/main'";

export class Fleet {
  static async create(): Promise<Fleet> {
    const namespace = await createTestNamespace('long-form');
    const specs: Array<Omit<FleetReceiver, 'token' | 'path'>> = [
      { name: 'gh', type: 'github', targets: ['app-gh'] },
      { name: 'gl', type: 'gitlab', targets: ['app-gl'] },
      { name: 'gen', type: 'generic', targets: ['app-gen', 'app-shared'] },
      { name: 'hm', type: 'generic-hmac', targets: ['app-hm'] },
      { name: 'dh', type: 'dockerhub', targets: ['app-dh', 'app-shared'] },
      { name: 'cel', type: 'github', targets: ['app-cel'], celFilter: true },
    ];
    const receivers = specs.map((s) => {
      const token = randomBytes(20).toString('hex');
      return { ...s, token, path: hookPath(token, s.name, namespace) };
    });
    const objects = [...new Set(receivers.flatMap((r) => r.targets))];
    await apply(objects.map((o) => gitRepository(o, namespace)));
    return new Fleet(namespace, receivers);
  }

  private constructor(readonly namespace: string, readonly receivers: readonly FleetReceiver[]) {}

  receiver(name: string): FleetReceiver {
    return this.receivers.find((r) => r.name === name)!;
  }

  /** Starts a watch of every stored requestedAt of the namespace. */
  async watch(): Promise<StoredValues> {
    const stored = new StoredValues(this.namespace);
    await stored.start();
    return stored;
  }

  /** The bundled server over these receivers (rate limits off, as in the short form). */
  startServer(kubeconfig: string): Promise<BundleProcess> {
    return BundleProcess.start({
      kubeconfig,
      tokens: Object.fromEntries(this.receivers.map((r) => [r.name, r.token])),
      receivers: this.receivers.map((r) => receiver(r.name, this.namespace, {
        type: r.type,
        secretRef: { name: r.name },
        resources: r.targets.map((t) => ({ kind: 'GitRepository', name: t })),
        ...(r.celFilter ? { resourceFilter: CEL_FILTER } : {}),
      })),
    });
  }

  /** A delivery the receiver's sender would post, correctly signed. */
  signed(r: FleetReceiver): { headers: Record<string, string>; body: Buffer } {
    const builder = deliveryBuilder(r.type)!;
    const d = builder.build({ token: Buffer.from(r.token), event: builder.events[0] ?? '', branch: 'main', deliveryId: randomUUID(), now: new Date() });
    return { headers: { ...d.headers }, body: d.body };
  }
}

/**
 * A delivery to `r` as raw request: correctly signed, or `forged` (a wrong signature or token;
 * receivers without one get it correctly signed, since their path is their only credential).
 */
export function signedRequest(fleet: Fleet, r: FleetReceiver, forged = false): RawRequest {
  const d = fleet.signed(r);
  if (forged) {
    for (const h of ['X-Hub-Signature-256', 'X-Signature']) if (h in d.headers) d.headers[h] = `sha256=${randomBytes(32).toString('hex')}`;
    delete d.headers['X-Hub-Signature'];
    if ('X-Gitlab-Token' in d.headers) d.headers['X-Gitlab-Token'] = randomBytes(20).toString('hex');
  }
  return { method: 'POST', target: r.path, headers: Object.entries(d.headers), body: d.body };
}

export function forgeable(r: FleetReceiver): boolean {
  return r.type !== 'generic' && r.type !== 'dockerhub';
}

/** Sends `request` on a fresh connection and turns the answer into an outcome for the ledger. */
export async function sendOnce(port: number, request: RawRequest, meta: Pick<Outcome, 'receiver' | 'forged' | 'what'>, timeoutMs = 40_000): Promise<Outcome> {
  const sentAt = Date.now();
  let conn;
  try {
    conn = await RawConnection.open(port);
  } catch (e) {
    return { ...meta, status: 0, closedBeforeBytes: true, sentAt, answeredAt: Date.now(), what: `${meta.what} (connect: ${(e as NodeJS.ErrnoException).code})` };
  }
  const a = await conn.send(encodeRequest(request), { timeoutMs });
  conn.destroy();
  return { ...meta, status: a.status, closedBeforeBytes: a.closedBeforeBytes, truncated: a.truncated, retryAfter: a.headers['retry-after'], sentAt: a.sentAt, answeredAt: a.answeredAt };
}

/** A slow client: a signed delivery to `r`, the headers at once, the body in ten pieces 400 ms apart. Undefined: refused. */
export async function slowDelivery(port: number, fleet: Fleet, r: FleetReceiver): Promise<RawAnswer | undefined> {
  const bytes = encodeRequest(signedRequest(fleet, r));
  const headerEnd = bytes.indexOf('\r\n\r\n') + 4;
  const body = bytes.subarray(headerEnd);
  const pieces = [bytes.subarray(0, headerEnd)];
  for (let i = 0; i < 10; i++) pieces.push(body.subarray(Math.floor((i * body.length) / 10), Math.floor(((i + 1) * body.length) / 10)));
  const conn = await RawConnection.open(port).catch(() => undefined);
  if (!conn) return undefined;
  const answer = await conn.send(pieces, { gapMs: 400 });
  conn.destroy();
  return answer;
}

/** The signature header value a github (`sha256=`) or generic-hmac receiver expects for `body`. */
export function signature(token: string, body: Buffer): string {
  return `sha256=${createHmac('sha256', token).update(body).digest('hex')}`;
}

export interface Violation {
  readonly check: string;
  readonly detail: string;
}

/** One answered request, as far as the invariants care. */
export interface Outcome {
  readonly status: number;
  readonly closedBeforeBytes?: boolean;
  readonly truncated?: boolean;
  readonly retryAfter?: string;
  /** The receiver whose exact path was used, if any. */
  readonly receiver?: FleetReceiver;
  /** The request carried a wrong, malformed or missing signature or token for a receiver that checks one. */
  readonly forged?: boolean;
  /** A 2xx must be backed by a stored value on each target (false: e.g. the CEL filter said no). */
  readonly mustPatch?: boolean;
  readonly sentAt: number;
  readonly answeredAt: number;
  readonly what: string;
}

/**
 * Counts answers and checks the per-answer invariants: no 2xx for a forged request, no 5xx
 * outside the documented ones (500 from the CEL receiver, 503 with Retry-After past the body
 * budget), and, once the load is over, every 2xx backed by a stored requestedAt on each target.
 */
export class Ledger {
  readonly histogram = new Map<string, number>();
  readonly violations: Violation[] = [];
  private readonly violationCounts = new Map<string, number>();
  private readonly accepted: Outcome[] = [];
  requests = 0;
  forgedSent = 0;
  checked2xx = 0;
  /** Extra 5xx that are documented for this part (e.g. 500 while the apiserver is away). */
  constructor(private readonly allow5xx: (o: Outcome) => boolean = () => false) {}

  record(o: Outcome): void {
    this.requests++;
    if (o.forged) this.forgedSent++;
    const key = o.status === 0 ? (o.closedBeforeBytes ? 'closed before any byte' : o.truncated ? 'closed mid-answer' : 'no answer') : String(o.status);
    this.histogram.set(key, (this.histogram.get(key) ?? 0) + 1);
    const ok = o.status >= 200 && o.status < 300;
    if (ok && o.forged) this.violate('no 2xx for a forged request', `${o.what}: ${o.status}`);
    if (o.status >= 500 && !this.documented5xx(o)) this.violate('no undocumented 5xx', `${o.what}: ${o.status}${o.receiver ? ` (receiver ${o.receiver.name})` : ''}`);
    if (o.truncated) this.violate('no answer cut short', o.what);
    if (ok && o.receiver && o.mustPatch !== false) this.accepted.push(o);
  }

  documented5xx(o: Outcome): boolean {
    if (o.status === 503 && o.retryAfter === '1') return true;
    if (o.status === 500 && o.receiver?.celFilter) return true;
    return this.allow5xx(o);
  }

  violate(check: string, detail: string): void {
    const n = (this.violationCounts.get(check) ?? 0) + 1;
    this.violationCounts.set(check, n);
    if (n <= 5) this.violations.push({ check, detail });
  }

  /** Checks every 2xx recorded so far against the stored values, then forgets them. */
  checkPatched(stored: StoredValues): void {
    for (const o of this.accepted.splice(0)) {
      this.checked2xx++;
      for (const target of o.receiver!.targets) {
        if (!stored.hasValueBetween(target, o.sentAt, o.answeredAt)) {
          this.violate('every 2xx patched', `${o.what}: ${o.status} at ${new Date(o.answeredAt).toISOString()}, no stored requestedAt of ${target} taken between sending and answering`);
        }
      }
    }
  }

  count(check: string): number {
    return this.violationCounts.get(check) ?? 0;
  }

  statusCount(key: string): number {
    return this.histogram.get(key) ?? 0;
  }
}
