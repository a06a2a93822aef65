// The Events a delivery leaves behind (off unless `--record-events`): on each target a patch
// reached, `ReconcileRequested` naming the receiver, so `kubectl describe` shows who asked for the
// reconcile and when; in cluster mode, a failed patch (or a target that cannot be selected, e.g.
// missing) also leaves a Warning on the Receiver object. Messages name objects only, never a token or a hook path.
import { RECEIVER_API_VERSION, RECEIVER_KIND } from '../../src/model';
import type { EventRecorder } from '../kube/event-recorder';
import type { ObjectRef } from '../kube/kube-client';
import type { ServedReceiver } from '../receivers/receiver-source';

export const RECONCILE_REQUESTED_REASON = 'ReconcileRequested';
export const RECONCILE_REQUEST_FAILED_REASON = 'ReconcileRequestFailed';

export class ReconcileEvents {
  constructor(private readonly recorder: EventRecorder) {}

  requested(receiver: ServedReceiver, target: ObjectRef, uid: string | undefined): void {
    const { namespace, name } = receiver.object.metadata;
    this.recorder.record({
      object: { apiVersion: target.group ? `${target.group}/${target.version}` : target.version, kind: target.kind, namespace: target.namespace, name: target.name, uid },
      type: 'Normal',
      reason: RECONCILE_REQUESTED_REASON,
      message: `Receiver ${namespace}/${name} (${receiver.object.spec.type}) requested a reconcile`,
    });
  }

  /** A target (or a whole resources[] entry, when selecting it failed) could not be asked to reconcile. */
  failed(receiver: ServedReceiver, target: { readonly kind: string; readonly namespace: string; readonly name: string }, error: string): void {
    // In files mode the receiver is a document, not an object an Event could point at.
    if (receiver.origin !== 'cluster') return;
    const { namespace, name, uid } = receiver.object.metadata;
    this.recorder.record({
      object: { apiVersion: RECEIVER_API_VERSION, kind: RECEIVER_KIND, namespace: namespace!, name, uid },
      type: 'Warning',
      reason: RECONCILE_REQUEST_FAILED_REASON,
      message: `unable to request reconciliation of ${target.kind} ${target.namespace}/${target.name}: ${error.length > 400 ? `${error.slice(0, 400)}…` : error}`,
    });
  }
}
