// What a webhook answer means for the person testing the path from the internet to the cluster.
// The receiver (this server and notification-controller alike) answers with an empty body, so a
// body usually comes from something in between (ingress, gateway, load balancer); the exception
// is this server's JSON answer (docs/server.md, "JSON answers"), recognised by its fields.
import { DeliveryBuilder } from './deliveries';

export interface Answer {
  readonly status: number;
  readonly body: string;
  readonly location?: string;
  readonly retryAfter?: string;
}

export interface Explanation {
  readonly ok: boolean;
  readonly lines: readonly string[];
}

/** The checks a 400 can come from, per receiver type. */
function rejections(builder: DeliveryBuilder, event: string): string[] {
  const out: string[] = [];
  if (builder.tokenUse === 'hmac') out.push('the signature did not verify: the token used here is not the bytes in the receiver\'s Secret (a trailing newline counts)');
  if (builder.tokenUse === 'header') out.push('the token header does not equal the token in the receiver\'s Secret');
  if (builder.eventHeader) out.push(`the event "${event}" (${builder.eventHeader}) is not in the Receiver's spec.events: add it, or pass --event with one that is`);
  if (builder.needsIdToken) out.push('the ID token was refused: expired, wrong issuer or audience, or a claim check of spec.oidcProviders (gcr: email/audience of the Secret) failed');
  if (builder.type === 'cdevents') out.push('the body is not a valid CDEvent of a known type');
  out.push(`the Receiver's spec.type is not ${builder.type}: pass --type with its type (the receiver checks what its type expects)`);
  return out;
}

/** A target of the receiver, as `spec.resources` names it. */
export interface AnswerTarget {
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
}

/** `targets`: the receiver's `spec.resources`, when known; a 200 then shows how to check the first one. */
export function explainAnswer(
  answer: Answer, builder: DeliveryBuilder, event: string, targets: readonly AnswerTarget[] = [], receiverNamespace?: string,
): Explanation {
  const { status } = answer;
  const report = jsonAnswer(answer.body);
  const fromProxy = report
    ? (report.reason ? [`The receiver says: ${report.reason}`] : [])
    : answer.body.trim() !== '' ? [`The answer has a body, so it probably came from a proxy in front of the receiver: ${snippet(answer.body)}`] : [];
  if (status >= 200 && status < 300) {
    return {
      ok: true,
      lines: [
        'Accepted: the receiver verified the delivery and asked every target to reconcile (annotation reconcile.fluxcd.io/requestedAt).',
        checkCommand(targets[0], receiverNamespace),
      ],
    };
  }
  const lines: string[] = [];
  switch (status) {
    case 301: case 302: case 307: case 308:
      lines.push(`Redirected to ${answer.location ?? '(no Location)'}:`,
        answer.location?.startsWith('https:') ? '- the exposure redirects to HTTPS: use an https:// --base / --url'
          : '- the path is not in canonical form (/hook without a slash, double slashes): use the URL exactly as `flux-webhook-receiver url` prints it');
      break;
    case 400:
      lines.push('Rejected: a receiver owns this path, but the delivery failed a check. Likely:', ...rejections(builder, event).map((r) => `- ${r}`),
        'The receiver\'s log line "webhook rejected" (notification-controller: "unable to process the request") names the failed check.');
      break;
    case 404:
      lines.push('No receiver on this path. The path is sha256(token + name + namespace), so one of these differs:',
        '- the token (the Secret was re-created or rotated, or a trailing newline was added or lost)',
        '- the Receiver\'s name or namespace',
        '- the receiver is not ready: its Secret is missing, so no path is served (kubectl get receiver / the server\'s "receiver not ready" log)',
        '- the exposure does not route /hook/ to the receiver Service (Ingress path, HTTPRoute, host name)',
        '- this server did not load the receiver: it serves other definitions (another --receivers location or namespace), or the definition is invalid.'
          + ' The bundled server logs "serving receiver" with the name of each one it loaded at start and after every change, and "invalid receiver definition" or "receiver not ready" for the others'
          + ' (cluster mode and notification-controller: kubectl get receiver -A)',
        'Recompute the URL with: flux-webhook-receiver url --base <url> --from-cluster (or --receivers dist/)');
      break;
    case 413:
      lines.push('Body too large: over the receiver\'s 3 MiB limit, or (more likely for a test delivery) a proxy\'s smaller limit, e.g. ingress-nginx proxy-body-size.');
      break;
    case 429:
      lines.push(`Rate limited${answer.retryAfter ? ` (Retry-After: ${answer.retryAfter} s)` : ''}: by the bundled server's per-receiver limit of verified deliveries`
        + ' (default 20/s, 2/s for generic; the Receiver annotation cdk8s-flux-webhooks.io/rate-limit), or by a proxy in front of the receiver.');
      break;
    case 431:
      lines.push('Request headers too large (over 256 KiB at the receiver, or a proxy\'s smaller limit).');
      break;
    case 500:
      lines.push('The delivery was verified, but a target could not be asked to reconcile:',
        '- a target in spec.resources does not exist, or has no default apiVersion for its kind',
        '- the receiver may not patch it (RBAC in the target\'s namespace), or cross-namespace references are refused',
        '- a CEL filter (resourceFilter, resources[].filter) failed on this payload',
        'The receiver\'s "webhook handled" log line with status 500 names the entry.');
      break;
    case 502: case 504:
      lines.push('The proxy in front could not get an answer from the receiver: pods not running or not ready, the Service port is not 80 → 9292, or a NetworkPolicy blocks port 9292 (Flux\'s allow-webhooks policy).');
      break;
    case 503:
      lines.push('Service unavailable:',
        '- the receiver is suspended (spec.suspend) or not ready (invalid definition: see its status or the server log)',
        '- the server is still loading receivers',
        '- or a proxy has no ready endpoint for the receiver Service');
      break;
    default:
      lines.push(status >= 500 ? 'A server error, probably from a proxy in front of the receiver.' : `HTTP ${status} is not an answer of the receiver: probably a proxy, or the URL does not point at a receiver.`);
  }
  return { ok: false, lines: [...lines, ...fromProxy] };
}

/** The kubectl command that shows a target's requestedAt annotation; a placeholder command without a target. */
function checkCommand(target: AnswerTarget | undefined, receiverNamespace: string | undefined): string {
  const kind = target ? target.kind.toLowerCase() : 'gitrepository';
  // A target that selects by labels has the name '*'.
  const name = target && target.name !== '*' ? target.name : '<name>';
  const ns = target?.namespace ?? receiverNamespace ?? '<ns>';
  return `Check a target with: kubectl -n ${ns} get ${kind} ${name} -o jsonpath='{.metadata.annotations.reconcile\\.fluxcd\\.io/requestedAt}'`;
}

/** This server's JSON answer, when the body is one (an object with a string `outcome`). */
function jsonAnswer(body: string): { reason?: string } | undefined {
  try {
    const value: unknown = JSON.parse(body);
    if (typeof value !== 'object' || value === null || typeof (value as { outcome?: unknown }).outcome !== 'string') return undefined;
    const reason = (value as { reason?: unknown }).reason;
    return { reason: typeof reason === 'string' ? snippet(reason) : undefined };
  } catch {
    return undefined;
  }
}

/** Why a request did not get any answer. */
export function explainNetworkError(err: NodeJS.ErrnoException, url: URL): string {
  const host = url.host;
  switch (err.code) {
    case 'ENOTFOUND': case 'EAI_AGAIN':
      return `cannot resolve ${url.hostname}: check the DNS record of the exposure's host name`;
    case 'ECONNREFUSED':
      return `connection to ${host} refused: nothing listens there (load balancer without listener, wrong port, server not running)`;
    case 'ECONNRESET':
      return `connection to ${host} reset: a proxy or firewall closed it (TLS on a plain HTTP port, or http:// to a TLS port?)`;
    case 'ETIMEDOUT': case 'TIMEOUT':
      return `no answer from ${host} in time: a firewall or loadBalancerSourceRanges drops the traffic, or the receiver hangs`;
    case 'DEPTH_ZERO_SELF_SIGNED_CERT': case 'SELF_SIGNED_CERT_IN_CHAIN': case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE': case 'CERT_HAS_EXPIRED': case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `TLS certificate of ${host} not accepted (${err.code}): Git hosts refuse it too; fix the certificate (cert-manager), or test past it with --insecure-skip-tls-verify`;
    default:
      return `request to ${host} failed: ${err.message}`;
  }
}

function snippet(body: string): string {
  const text = body.replace(/\s+/g, ' ').trim();
  return JSON.stringify(text.length > 200 ? `${text.slice(0, 200)}…` : text);
}
