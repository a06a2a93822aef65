// The short JSON body a delivery gets when the sender asks for it (`Accept: application/json`) or
// the server is started with `--json-answers` (an extension; Flux answers with an empty body). It
// is built only from the result's receiver name, outcome, refusal reason and target reports:
// never the request path, a header, the body, the Secret or a token.
import { targetSummary, type DeliveryResult } from '../pipeline/delivery';

/** Whether an Accept header names `application/json` with a non-zero quality. Wildcards do not count. */
export function acceptsJson(accept: string | string[] | undefined): boolean {
  if (accept === undefined) return false;
  for (const range of (Array.isArray(accept) ? accept.join(',') : accept).split(',')) {
    const [type, ...params] = range.split(';').map((p) => p.trim().toLowerCase());
    if (type !== 'application/json') continue;
    const q = params.find((p) => p.startsWith('q='));
    if (q === undefined || Number(q.slice(2)) > 0) return true;
  }
  return false;
}

/** The answer body. `reason` is the check that failed, in the words of the log line. */
export function jsonAnswer(result: DeliveryResult): string {
  const r = result.receiver;
  return JSON.stringify({
    receiver: r ? { namespace: r.namespace, name: r.name, type: r.type } : undefined,
    status: result.status,
    outcome: result.outcome,
    event: result.event,
    reason: result.reason,
    retryAfterSeconds: result.retryAfterSeconds,
    targets: result.entries?.map((e) => targetSummary(e)),
  }) + '\n';
}
