// The alerting rules of a receiver server (or of notification-controller's receiver endpoint),
// written from the metric definitions. Each description says what to check and which command of
// the package helps; docs/monitoring.md lists the same alerts for people.
import { by, promDuration, series } from './promql';
import { ACCEPTED_OUTCOMES, FLUX_RECEIVER_METRICS, RECEIVER_METRICS as M, REFUSED_OUTCOMES } from '../model';

/** One Prometheus alerting rule, as `PrometheusRule.spec.groups[].rules[]` holds it. */
export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels: { readonly [key: string]: string };
  readonly annotations: { readonly summary: string; readonly description: string };
}

/** The thresholds, already checked. */
export interface AlertThresholds {
  readonly refusedForSeconds: number;
  readonly patchErrorRatio: number;
  readonly notReadyForSeconds: number;
  readonly keyOverlapSeconds: number;
  readonly memoryLimitRatio: number;
  /** The container's memory limit in bytes; no memory alert without it. */
  readonly memoryLimitBytes?: number;
}

/** Window in which a verification key counts as in use: a quiet repository pushes a few times a day. */
export const KEY_IN_USE_WINDOW = '6h';
/** Window over which the share of failed PATCHes is taken. */
export const PATCH_ERROR_WINDOW = '10m';

const SEND = 'flux-webhook-receiver send --base <url> --receivers dist/ --name <receiver>';

/** The alerts of the bundled receiver server scraped as `job`. */
export function serverAlerts(job: string, t: AlertThresholds): AlertRule[] {
  const refusedWindow = promDuration(t.refusedForSeconds);
  const perReceiver = by(M.deliveries, ['namespace', 'name']);
  const rules: AlertRule[] = [
    {
      alert: 'FluxWebhookReceiverRefusingDeliveries',
      expr: `sum${perReceiver} (increase(${series(M.deliveries, { job, outcome: { re: REFUSED_OUTCOMES } })}[${refusedWindow}])) > 0\n`
        + 'unless on (namespace, name)\n'
        + `sum${perReceiver} (increase(${series(M.deliveries, { job, outcome: { re: ACCEPTED_OUTCOMES } })}[${refusedWindow}])) > 0`,
      labels: { severity: 'critical' },
      annotations: {
        summary: `Receiver {{ $labels.namespace }}/{{ $labels.name }} refused every delivery for ${refusedWindow}`,
        description: `Every delivery to {{ $labels.namespace }}/{{ $labels.name }} in the last ${refusedWindow} was refused, so pushes no longer reconcile. `
          + 'The outcome label of flux_webhook_receiver_deliveries_total says why: `rejected` is a signature or token that does not match '
          + '(the Secret was rotated at one end only: compare the sender\'s secret with the Secret\'s `token`, or the keys listed in `verificationKeys`), '
          + '`unavailable` a receiver not ready or suspended (its log line says why), `rate_limited` a sender over the rate limit, `target_error` failed PATCHes. '
          + `Check the whole path with \`${SEND}\`; \`flux-webhook-receiver url --receivers dist/ --show-token\` prints the URL and token to enter at the sender.`,
      },
    },
    {
      alert: 'FluxWebhookReceiverPatchErrors',
      expr: `sum${by(M.patches, ['job'])} (increase(${series(M.patches, { job, outcome: 'error' })}[${PATCH_ERROR_WINDOW}]))\n`
        + `/ sum${by(M.patches, ['job'])} (increase(${series(M.patches, { job })}[${PATCH_ERROR_WINDOW}])) > ${t.patchErrorRatio}`,
      labels: { severity: 'warning' },
      annotations: {
        summary: `More than ${percent(t.patchErrorRatio)} of the reconcile PATCHes of ${job} failed in ${PATCH_ERROR_WINDOW}`,
        description: 'Accepted deliveries could not annotate their targets, so Flux does not reconcile them early. '
          + 'The server\'s log lines `webhook failed` name the target and the API server\'s answer: a 403 is missing RBAC (a target outside the namespaces the construct granted), '
          + 'a 404 a target that does not exist, a timeout an API server under load. '
          + 'flux_webhook_receiver_target_objects_total{outcome="failed"} shows which receiver and kind; '
          + `\`${SEND}\` repeats a delivery and prints each target's result.`,
      },
    },
    {
      alert: 'FluxWebhookReceiverNotReady',
      expr: `max${by(M.receivers, ['job', 'pod'])} (${series(M.receivers, { job, state: 'not_ready' })}) > 0`,
      for: promDuration(t.notReadyForSeconds),
      labels: { severity: 'warning' },
      annotations: {
        summary: `Receivers of pod {{ $labels.pod }} not ready for ${promDuration(t.notReadyForSeconds)}`,
        description: 'A receiver that is not ready answers 503 to every delivery. The server logs the reason: '
          + '`TokenNotFound` (the Secret or its `token` key is missing: `flux-webhook-receiver token --apply` creates it), `VerificationKeysNotFound` (none of the listed keys is in the Secret), '
          + 'an invalid spec or filter; in cluster mode `kubectl get receivers` shows the Ready condition too. '
          + `\`${SEND}\` shows the 503 and its reason.`,
      },
    },
    {
      alert: 'FluxWebhookReceiverOldVerificationKeyInUse',
      expr: `count${by(M.verificationKeys, ['namespace', 'name'])} (\n`
        + `  sum${by(M.verificationKeys, ['namespace', 'name', 'key'])} (increase(${series(M.verificationKeys, { job })}[${KEY_IN_USE_WINDOW}])) > 0\n`
        + ') > 1',
      for: promDuration(t.keyOverlapSeconds),
      labels: { severity: 'warning' },
      annotations: {
        summary: `Receiver {{ $labels.namespace }}/{{ $labels.name }} still verifies deliveries with two keys after ${promDuration(t.keyOverlapSeconds)}`,
        description: 'A token rotation was started (a second key verifies deliveries) but the old key is still in use, so it cannot be retired yet. '
          + 'flux_webhook_receiver_verification_key_matches_total{namespace="{{ $labels.namespace }}", name="{{ $labels.name }}"} by `key` shows which key each sender still signs with; '
          + 'the server\'s log field `verificationKey` names it per delivery. Switch the remaining senders to the new value, check each with '
          + `\`${SEND} --token-file <new-value-file>\`, then remove the old key from \`verificationKeys\`.`,
      },
    },
  ];
  if (t.memoryLimitBytes !== undefined) {
    rules.push({
      alert: 'FluxWebhookReceiverMemoryNearLimit',
      expr: `max${by(M.residentMemory, ['job', 'pod'])} (${series(M.residentMemory, { job })}) / ${t.memoryLimitBytes} > ${t.memoryLimitRatio}`,
      for: '5m',
      labels: { severity: 'warning' },
      annotations: {
        summary: `Pod {{ $labels.pod }} uses more than ${percent(t.memoryLimitRatio)} of its ${mebibytes(t.memoryLimitBytes)} memory limit`,
        description: 'Near the limit the kernel kills the container and deliveries in flight are lost (senders retry later, some never). '
          + 'Large bodies held at once are the usual cause: flux_webhook_receiver_buffered_body_bytes shows them, and gotk_receiver_http_requests_inflight the concurrency. '
          + 'Raise `resources.memory` on the WebhookReceiver or add replicas.',
      },
    });
  }
  return rules;
}

/** The alerts notification-controller's metrics allow: only its HTTP metrics name receivers' answers. */
export function fluxAlerts(job: string, t: AlertThresholds): AlertRule[] {
  const F = FLUX_RECEIVER_METRICS;
  const window = promDuration(t.refusedForSeconds);
  const perJob = by(F.requestDuration, ['job']);
  return [{
    alert: 'FluxReceiverRefusingDeliveries',
    expr: `sum${perJob} (increase(${series(F.requestDuration, { job, code: { notRe: ['2..'] } }, 'count')}[${window}])) > 0\n`
      + 'unless on (job)\n'
      + `sum${perJob} (increase(${series(F.requestDuration, { job, code: { re: ['2..'] } }, 'count')}[${window}])) > 0`,
    labels: { severity: 'critical' },
    annotations: {
      summary: `notification-controller answered no webhook delivery with 2xx for ${window}`,
      description: 'Every request to the receiver endpoint failed, so pushes no longer reconcile. notification-controller counts requests, not receivers: '
        + 'its log names the receiver and why (`kubectl -n flux-system logs deploy/notification-controller`), `kubectl get receivers -A` their Ready condition. '
        + `Check one receiver end to end with \`${SEND}\` (the Receiver objects in dist/), and its URL and token with \`flux-webhook-receiver url --receivers dist/ --show-token\`.`,
    },
  }];
}

function percent(ratio: number): string {
  return `${Math.round(ratio * 1000) / 10}%`;
}

function mebibytes(bytes: number): string {
  return `${Math.round(bytes / 1048576)}Mi`;
}
