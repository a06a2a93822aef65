// Writing a Receiver's status like notification-controller: through the /status subresource, a
// JSON merge patch guarded by resourceVersion, only when it differs from what is stored, and
// only for the Receivers `statusWrites` allows:
//   'auto'   – those no notification-controller manages (no `finalizers.fluxcd.io` finalizer, no
//              managedFields entry by `notification-controller`); others are served, never written;
//   'always' – every Receiver (do not run next to notification-controller);
//   'never'  – none (no receivers/status permission needed).
import { CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubernetesObject } from '@kubernetes/client-node';
import { apiErrorDetails, describeApiError } from './_api-error';
import type { ReceiverStatus } from '../../../src/model';
import { RECEIVER_API_VERSION } from '../../../src/model';
import type { Logger } from '../../observability/logger';

export type StatusWrites = 'auto' | 'always' | 'never';

/** The finalizer notification-controller puts on every Receiver it reconciles. */
export const FLUX_FINALIZER = 'finalizers.fluxcd.io';
/** notification-controller's field manager name. */
export const FLUX_FIELD_MANAGER = 'notification-controller';
export const DEFAULT_FIELD_MANAGER = 'flux-webhook-receiver';

const [GROUP, VERSION] = RECEIVER_API_VERSION.split('/');
const PLURAL = 'receivers';

/** Whether a running notification-controller owns this Receiver's status. */
export function managedByNotificationController(obj: KubernetesObject): boolean {
  const meta = obj.metadata;
  if (meta?.finalizers?.includes(FLUX_FINALIZER)) return true;
  return (meta?.managedFields ?? []).some((f) => f.manager === FLUX_FIELD_MANAGER);
}

export interface StatusWriterOptions {
  readonly statusWrites: StatusWrites;
  readonly customObjects: CustomObjectsApi;
  readonly fieldManager: string;
  readonly log: Logger;
  /** Where the RBAC this needs is documented (named in the 403 hint). */
  readonly rbacHint: string;
}

export class StatusWriter {
  /** Writes in flight or done, by receiver key: the base resourceVersion and the status sent. */
  private readonly sent = new Map<string, { resourceVersion: string; status: string }>();
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly options: StatusWriterOptions) {}

  /** Whether this Receiver's status is ours to write. */
  mayWrite(obj: KubernetesObject): boolean {
    if (obj.metadata?.deletionTimestamp) return false;
    if (this.options.statusWrites === 'never') return false;
    if (this.options.statusWrites === 'always') return true;
    return !managedByNotificationController(obj);
  }

  /** Sends `status` for `obj` unless the same status was already sent for this version of it. */
  write(key: string, obj: KubernetesObject & { readonly status?: ReceiverStatus }, status: ReceiverStatus): void {
    const resourceVersion = obj.metadata?.resourceVersion ?? '';
    const serialized = JSON.stringify(status);
    const previous = this.sent.get(key);
    // Already sent for this version of the object: wait for the watch to bring the result.
    if (previous && previous.resourceVersion === resourceVersion && previous.status === serialized) return;
    this.sent.set(key, { resourceVersion, status: serialized });

    // A merge patch replaces lists and deletes keys set to null: send every field we own.
    const body: Record<string, unknown> = {};
    const current = (obj.status ?? {}) as Record<string, unknown>;
    const desired = status as Record<string, unknown>;
    for (const field of new Set([...Object.keys(current), ...Object.keys(desired)])) {
      body[field] = desired[field] === undefined ? null : desired[field];
    }
    const write = this.options.customObjects.patchNamespacedCustomObjectStatus(
      {
        group: GROUP,
        version: VERSION,
        namespace: obj.metadata!.namespace!,
        plural: PLURAL,
        name: obj.metadata!.name!,
        body: { metadata: { resourceVersion }, status: body },
        fieldManager: this.options.fieldManager,
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    ).then(
      () => {
        this.options.log.debug('receiver status updated', { receiver: key, ready: status.conditions?.find((c) => c.type === 'Ready')?.reason });
      },
      (err) => {
        const { status: code } = apiErrorDetails(err);
        if (code === 409 || code === 404) {
          // Changed or deleted meanwhile: the watch delivers the new state and we re-evaluate.
          this.sent.delete(key);
          return;
        }
        this.options.log.error('cannot write receiver status; it is retried at the next resync', {
          receiver: key,
          error: describeApiError(err),
          hint: code === 403 ? `grant patch on receivers/status, or run with statusWrites 'never'; ${this.options.rbacHint}` : undefined,
        });
      },
    );
    const tracked = write.finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
  }

  /** Forgets what was sent for Receivers that no longer exist. */
  forgetAllBut(live: ReadonlySet<string>): void {
    for (const key of [...this.sent.keys()]) if (!live.has(key)) this.sent.delete(key);
  }

  /** Forgets what was sent, so the next pass writes again whatever differs (the resync). */
  forgetAll(): void {
    this.sent.clear();
  }

  /** Resolves once every write sent so far has been answered. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.pending]);
  }
}
