// What notification-controller v1.9.3 would write into a Receiver's status, and how the receiver
// must be served, computed from the object, the result of reading its Secret and the result of
// validating its spec. Pure: no I/O, the clock is an argument. The cluster source decides whether
// the status is actually written (see cluster-receiver-source.ts).
import type { ReceiverCondition, ReceiverObject, ReceiverStatus } from '../../../src/model';
import { hookPath, RECONCILE_REQUESTED_AT_ANNOTATION } from '../../../src/model';

export const CONDITION_READY = 'Ready';
export const CONDITION_RECONCILING = 'Reconciling';
export const CONDITION_STALLED = 'Stalled';

/** Condition reasons Flux uses for receivers (fluxcd/pkg `apis/meta` and the Receiver API). */
export const REASONS = {
  succeeded: 'Succeeded',
  tokenNotFound: 'TokenNotFound',
  progressing: 'Progressing',
  progressingWithRetry: 'ProgressingWithRetry',
  invalidCelExpression: 'InvalidCELExpression',
  validationFailed: 'ValidationFailed',
} as const;

export const TERMINAL_MESSAGE_PREFIX = 'Reconciliation failed terminally due to configuration error: ';
export const RECONCILING_MESSAGE = 'Reconciliation in progress';
export const SUSPENDED_MESSAGE = 'Reconciliation is suspended for this object';

/** `metav1.Condition.message` is capped at 32768 characters by the CRD schema. */
const MAX_CONDITION_MESSAGE = 32768;

/** The outcome of reading `spec.secretRef` (raw bytes, as Flux reads them). */
export type TokenLookup =
  /** generic-oidc: no secretRef, the token is the empty string. */
  | { readonly kind: 'none' }
  | { readonly kind: 'found'; readonly token: Uint8Array }
  /** The Secret is missing, unreadable or has no `token` key; `message` is Flux's wording. */
  | { readonly kind: 'error'; readonly message: string };

/** A terminal configuration error found by validating the spec (CEL or OIDC invariants). */
export interface ValidationProblem {
  readonly reason: typeof REASONS.invalidCelExpression | typeof REASONS.validationFailed;
  /** The detail after the terminal prefix, e.g. `invalid resourceFilter expression: …`. */
  readonly detail: string;
}

export interface ReceiverEvaluation {
  /** The path to serve; undefined when Flux would have cleared `status.webhookPath` (404). */
  readonly webhookPath?: string;
  readonly ready: boolean;
  /** `<Reason>: <message>` when not ready. */
  readonly notReadyReason?: string;
  /** The status Flux would write; undefined when Flux leaves it untouched (suspended). */
  readonly status?: ReceiverStatus;
}

export interface EvaluationInput {
  readonly object: ReceiverObject;
  readonly token: TokenLookup;
  /** The first terminal problem of the spec, in Flux's validation order; undefined when valid. */
  readonly problem?: ValidationProblem;
  readonly now: Date;
}

/** Flux's message when the Secret cannot be read (`apiError` is the API error text). */
export function secretReadErrorMessage(namespace: string, secretName: string, apiError: string): string {
  return `unable to read token from secret '${namespace}/${secretName}' error: ${apiError}`;
}

/** The API server's wording for a Secret that does not exist. */
export function secretNotFoundApiError(secretName: string): string {
  return `secrets "${secretName}" not found`;
}

/** Flux's message when the Secret exists but has no `token` key. */
export function secretMissingTokenMessage(namespace: string, secretName: string): string {
  return `invalid '${namespace}/${secretName}' secret data: required fields 'token'`;
}

export function readyMessage(webhookPath: string): string {
  return `Receiver initialized for path: ${webhookPath}`;
}

/**
 * Mirrors notification-controller's reconcile + deferred patch for one Receiver:
 * suspended → status untouched; terminal problem → Ready=False + Stalled=True, observedGeneration
 * bumped; token unreadable → Ready=False TokenNotFound, Reconciling ProgressingWithRetry, path
 * cleared; otherwise Ready=True Succeeded with the path.
 */
export function evaluateReceiver(input: EvaluationInput): ReceiverEvaluation {
  const { object, token, problem, now } = input;
  const name = object.metadata.name;
  const namespace = object.metadata.namespace ?? '';
  const generation = object.metadata.generation ?? 0;
  const current = object.status ?? {};
  const tokenBytes = token.kind === 'found' ? token.token : token.kind === 'none' ? new Uint8Array() : undefined;
  const path = tokenBytes ? hookPath(tokenBytes, name, namespace) : undefined;

  if (object.spec?.suspend) {
    // Flux skips suspended receivers entirely; its HTTP server finds receivers by the path in
    // status and answers 503 there (404 when none was ever written).
    return { webhookPath: current.webhookPath, ready: false, notReadyReason: `Suspended: ${SUSPENDED_MESSAGE}` };
  }

  const conditions = new ConditionSet(current.conditions, generation, now);
  const requestedAt = object.metadata.annotations?.[RECONCILE_REQUESTED_AT_ANNOTATION];
  const base: Mutable<ReceiverStatus> = { ...current };
  if (requestedAt !== undefined) base.lastHandledReconcileAt = requestedAt;

  if (problem) {
    const message = TERMINAL_MESSAGE_PREFIX + problem.detail;
    conditions.set(CONDITION_READY, 'False', problem.reason, message);
    conditions.set(CONDITION_STALLED, 'True', problem.reason, message);
    conditions.delete(CONDITION_RECONCILING);
    base.observedGeneration = generation;
    base.conditions = conditions.list();
    // Flux returns before reading the token: the path in status stays, and is the one answered
    // (503); a Receiver invalid from its first reconcile has none, so its deliveries get 404.
    return { webhookPath: current.webhookPath, ready: false, notReadyReason: `${problem.reason}: ${message}`, status: base };
  }

  conditions.delete(CONDITION_STALLED);
  if (path === undefined) {
    const message = token.kind === 'error' ? token.message : '';
    conditions.set(CONDITION_RECONCILING, 'True', REASONS.progressingWithRetry, RECONCILING_MESSAGE);
    conditions.set(CONDITION_READY, 'False', REASONS.tokenNotFound, message);
    delete base.webhookPath;
    base.conditions = conditions.list();
    return { ready: false, notReadyReason: `${REASONS.tokenNotFound}: ${message}`, status: base };
  }

  conditions.delete(CONDITION_RECONCILING);
  conditions.set(CONDITION_READY, 'True', REASONS.succeeded, readyMessage(path));
  base.webhookPath = path;
  base.observedGeneration = generation;
  base.conditions = conditions.list();
  return { webhookPath: path, ready: true, status: base };
}

/**
 * Whether two statuses say the same thing. Condition order and absent-vs-default fields do not
 * count, so a status read back from the API compares equal to the one that was written.
 */
export function statusEquals(a: ReceiverStatus | undefined, b: ReceiverStatus | undefined): boolean {
  return JSON.stringify(canonicalStatus(a)) === JSON.stringify(canonicalStatus(b));
}

function canonicalStatus(s: ReceiverStatus | undefined): unknown {
  const conditions = [...(s?.conditions ?? [])]
    .sort((x, y) => (x.type < y.type ? -1 : x.type > y.type ? 1 : 0))
    .map((c) => [c.type, c.status, c.observedGeneration ?? 0, c.lastTransitionTime, c.reason, c.message]);
  return [conditions, s?.webhookPath ?? '', s?.observedGeneration ?? -1, s?.lastHandledReconcileAt ?? ''];
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Kubernetes serialises `metav1.Time` with second precision. */
function kubeTime(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z');
}

/**
 * A receiver's conditions being edited: owned types are set or deleted, other types are kept
 * as they are. Like Flux's condition setter, `lastTransitionTime` is kept while status, reason
 * and message stay the same (a generation bump alone does not move it).
 */
class ConditionSet {
  private readonly byType = new Map<string, ReceiverCondition>();

  constructor(existing: readonly ReceiverCondition[] | undefined, private readonly generation: number, private readonly now: Date) {
    for (const c of existing ?? []) this.byType.set(c.type, c);
  }

  set(type: string, status: ReceiverCondition['status'], reason: string, message: string): void {
    const previous = this.byType.get(type);
    const trimmed = message.length > MAX_CONDITION_MESSAGE ? message.slice(0, MAX_CONDITION_MESSAGE - 3) + '...' : message;
    const sameState = previous !== undefined && previous.status === status && previous.reason === reason && previous.message === trimmed;
    this.byType.set(type, {
      type,
      status,
      observedGeneration: this.generation,
      lastTransitionTime: sameState ? previous.lastTransitionTime : kubeTime(this.now),
      reason,
      message: trimmed,
    });
  }

  delete(type: string): void {
    this.byType.delete(type);
  }

  /** Ready first, then the rest by type, like Flux's condition setter. */
  list(): ReceiverCondition[] {
    return [...this.byType.values()].sort((a, b) => {
      if (a.type === b.type) return 0;
      if (a.type === CONDITION_READY) return -1;
      if (b.type === CONDITION_READY) return 1;
      return a.type < b.type ? -1 : 1;
    });
  }
}
