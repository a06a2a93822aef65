// Eager checks shared by the exposure constructs. Each error names the construct, the field and
// the bad value, and says how to fix it, because these values end up in objects the apiserver
// (or an ingress controller, much later) would otherwise reject with a far less helpful message.
import { IConstruct } from 'constructs';
import { FluxReceivers } from '../flux-receivers';
import { HOOK_PATH_PREFIX } from '../model';
import { IWebhookReceiver } from '../webhook-receiver-ref';

const DNS_LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const HOSTNAME = new RegExp(`^(\\*\\.)?${DNS_LABEL}(\\.${DNS_LABEL})*$`);
const NAME = new RegExp(`^${DNS_LABEL}(\\.${DNS_LABEL})*$`);
const LABEL_NAME = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;
const IPV6 = /^[0-9A-Fa-f:.]+\/(\d{1,3})$/;

/** The receiver serves every webhook under this prefix (defined in the shared model). */
export { HOOK_PATH_PREFIX };

function where(scope: IConstruct): string {
  return scope.node.path;
}

/** A DNS host name as Ingress and HTTPRoute accept it (lowercase, optional leading `*.`, no IP). */
export function checkHostname(scope: IConstruct, field: string, host: string): void {
  const bad = host.length > 253 || !HOSTNAME.test(host) || /^[0-9.]+$/.test(host);
  if (bad) {
    throw new Error(`${where(scope)}: ${field} "${host}" is not a valid host name; use a lowercase DNS name such as "flux-webhook.example.com" or "*.example.com" (no scheme, port, path or IP address)`);
  }
}

/** A Kubernetes object name (RFC 1123 subdomain). */
export function checkObjectName(scope: IConstruct, field: string, name: string): void {
  if (name.length > 253 || !NAME.test(name)) {
    throw new Error(`${where(scope)}: ${field} "${name}" is not a valid Kubernetes object name; use lowercase letters, digits, "-" and "." (e.g. "flux-system")`);
  }
}

/** A Kubernetes namespace name (RFC 1123 label). */
export function checkNamespaceName(scope: IConstruct, field: string, name: string): void {
  if (name.length > 63 || !new RegExp(`^${DNS_LABEL}$`).test(name)) {
    throw new Error(`${where(scope)}: ${field} "${name}" is not a valid namespace name; use at most 63 lowercase letters, digits and "-" (e.g. "flux-system")`);
  }
}

/** A TCP port number. */
export function checkPort(scope: IConstruct, field: string, port: number): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`${where(scope)}: ${field} ${port} is not a valid port; use an integer from 1 to 65535`);
  }
}

/** Label keys and values, as in `matchLabels`. */
export function checkLabels(scope: IConstruct, field: string, labels: { [key: string]: string }, kind = 'label'): void {
  for (const [key, value] of Object.entries(labels)) {
    const slash = key.lastIndexOf('/');
    const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
    const name = slash >= 0 ? key.slice(slash + 1) : key;
    const keyOk = name.length <= 63 && LABEL_NAME.test(name) && (prefix === undefined || (prefix.length <= 253 && NAME.test(prefix)));
    if (!keyOk) {
      throw new Error(`${where(scope)}: ${field} has an invalid ${kind} key "${key}"; use an optional DNS prefix and a name of letters, digits, "-", "_" or "." (e.g. "app.kubernetes.io/name")`);
    }
    if (typeof value !== 'string' || value.length > 63 || !LABEL_VALUE.test(value)) {
      throw new Error(`${where(scope)}: ${field} has an invalid value "${value}" for label "${key}"; label values are strings of at most 63 letters, digits, "-", "_" or "." (quote "true" in TypeScript)`);
    }
  }
}

/** Annotation keys follow the label key syntax; their values are free-form. */
export function checkAnnotationKeys(scope: IConstruct, field: string, annotations: { [key: string]: string }): void {
  checkLabels(scope, field, Object.fromEntries(Object.keys(annotations).map((k) => [k, ''])), 'annotation');
}

/**
 * An IPv4 or IPv6 CIDR, as `loadBalancerSourceRanges` and NetworkPolicy `ipBlock` expect: the
 * address must be the network's first one (no host bits), which the apiserver enforces.
 */
export function checkCidr(scope: IConstruct, field: string, cidr: string): void {
  let network: string | undefined;
  const v4 = IPV4.exec(cidr);
  if (v4) {
    const octets = v4.slice(1, 5).map(Number);
    const prefix = Number(v4[5]);
    if (octets.every((o) => o <= 255) && prefix <= 32) {
      const address = octets.reduce((acc, o) => acc * 256 + o, 0);
      const size = 2 ** (32 - prefix);
      const first = Math.floor(address / size) * size;
      if (first === address) return;
      network = `${[24, 16, 8, 0].map((shift) => Math.floor(first / 2 ** shift) % 256).join('.')}/${prefix}`;
    }
  } else if (IPV6.test(cidr) && cidr.includes(':') && Number(cidr.split('/')[1]) <= 128) {
    const prefix = BigInt(cidr.split('/')[1]);
    const address = ipv6Value(cidr.split('/')[0]);
    if (address !== undefined) {
      const hostPart = address % 2n ** (128n - prefix);
      if (hostPart === 0n) return;
      network = `${ipv6Text(address - hostPart)}/${prefix}`;
    }
  }
  if (network) {
    throw new Error(`${where(scope)}: ${field} "${cidr}" has host bits set (the apiserver rejects it); use the network address "${network}"`);
  }
  const hint = /^[0-9.]+$/.test(cidr) ? ` Did you mean "${cidr}/32"?` : ' Use a CIDR such as "203.0.113.0/24" or "2001:db8::/32".';
  throw new Error(`${where(scope)}: ${field} "${cidr}" is not a valid CIDR.${hint}`);
}

/** The 128-bit value of an IPv6 address in hex-group notation; undefined when it is not one. */
function ipv6Value(text: string): bigint | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - tail.length;
  if (missing < 0 || (halves.length === 1 && missing !== 0) || (halves.length === 2 && missing === 0)) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  if (!groups.every((g) => /^[0-9A-Fa-f]{1,4}$/.test(g))) return undefined;
  return groups.reduce((acc, g) => acc * 65536n + BigInt(parseInt(g, 16)), 0n);
}

/** An IPv6 address in hex groups, with the longest run of zero groups written as `::`. */
function ipv6Text(value: bigint): string {
  const groups = [...Array(8).keys()].map((i) => Number((value / 65536n ** BigInt(7 - i)) % 65536n).toString(16));
  let best = { start: -1, length: 0 };
  for (let i = 0; i < 8;) {
    if (groups[i] !== '0') { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > best.length && j - i > 1) best = { start: i, length: j - i };
    i = j;
  }
  if (best.start < 0) return groups.join(':');
  return `${groups.slice(0, best.start).join(':')}::${groups.slice(best.start + best.length).join(':')}`;
}

/**
 * An HTTP path for the webhook route. It must lead to `/hook/<digest>` on the receiver, so it
 * is either a prefix of `/hook/` (e.g. `/`, `/hook/`) or a longer path under it (one receiver).
 */
export function checkHookPath(scope: IConstruct, field: string, path: string): void {
  if (!path.startsWith('/') || /\s/.test(path)) {
    throw new Error(`${where(scope)}: ${field} "${path}" must be an absolute URL path starting with "/" and without spaces (e.g. "${HOOK_PATH_PREFIX}")`);
  }
  if (!(HOOK_PATH_PREFIX.startsWith(path) || path.startsWith(HOOK_PATH_PREFIX))) {
    throw new Error(`${where(scope)}: ${field} "${path}" would not reach the receiver, which serves webhooks at "${HOOK_PATH_PREFIX}<digest>"; use "${HOOK_PATH_PREFIX}" (the default), "/", or a path under "${HOOK_PATH_PREFIX}"`);
  }
}

/** The receiver's own contract, which the exposures rely on. */
export function checkReceiver(scope: IConstruct, receiver: IWebhookReceiver): void {
  checkNamespaceName(scope, 'receiver.namespace', receiver.namespace);
  checkObjectName(scope, 'receiver.serviceName', receiver.serviceName);
  checkPort(scope, 'receiver.servicePort', receiver.servicePort);
  checkPort(scope, 'receiver.webhookPort', receiver.webhookPort);
  checkExposedServiceExists(scope, receiver);
}

/** Flux's namespace unless installed elsewhere (`flux install --namespace`). */
const FLUX_DEFAULT_NAMESPACE = 'flux-system';

/**
 * An exposure routes to the receiver's Service. For FluxReceivers that is Flux's own
 * `webhook-receiver` Service, which exists once, in Flux's namespace, and serves the Receivers of
 * every namespace: FluxReceivers declared in another namespace have no Service of their own.
 */
function checkExposedServiceExists(scope: IConstruct, receiver: IWebhookReceiver): void {
  if (receiver instanceof FluxReceivers && receiver.namespace !== FLUX_DEFAULT_NAMESPACE) {
    throw new Error(`${scope.node.path}: receiver (${receiver.node.path}) is a FluxReceivers in namespace "${receiver.namespace}", where no Service "${receiver.serviceName}" runs: `
      + 'Flux\'s notification-controller serves the Receivers of every namespace through the one Service in its own namespace; '
      + `expose WebhookReceiver.fromFluxNotificationController(scope, 'flux') instead (with { namespace } when Flux is not in "${FLUX_DEFAULT_NAMESPACE}")`);
  }
}

/** Forced namespace: a user-supplied `metadata.namespace` must agree with it. */
export function checkMetadataNamespace(scope: IConstruct, given: string | undefined, required: string, why: string): void {
  if (given !== undefined && given !== required) {
    throw new Error(`${where(scope)}: metadata.namespace "${given}" conflicts with "${required}": ${why}; omit metadata.namespace`);
  }
}
