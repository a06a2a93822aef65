// Everything the API server and notification-controller would reject in a Receiver document,
// with the field path of each problem: kind and name, the CRD schema and CEL rules, then the spec
// checks notification-controller runs (receivers/receiver-spec-check.ts, shared with cluster mode).
import { checkReceiverSchema, SchemaProblem } from './receiver-schema';
import { RECEIVER_API_VERSION, RECEIVER_KIND, ReceiverSpec } from '../../../src/model';
import { checkReceiverSpec } from '../receiver-spec-check';

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export interface DefinitionCheck {
  /** `<namespace>/<name>` once the name is usable. */
  readonly key?: string;
  readonly namespace?: string;
  readonly problems: SchemaProblem[];
}

export function checkReceiverDefinition(value: unknown, defaultNamespace: string): DefinitionCheck {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { problems: [{ path: '<root>', message: `expected a Receiver object, got ${Array.isArray(value) ? 'a list' : typeof value}` }] };
  }
  const doc = value as { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown; namespace?: unknown }; spec?: ReceiverSpec };
  if (doc.apiVersion !== RECEIVER_API_VERSION || doc.kind !== RECEIVER_KIND) {
    return {
      problems: [{ path: 'kind', message: `${JSON.stringify(doc.kind)} ${JSON.stringify(doc.apiVersion)} is not a Receiver: expected kind: ${RECEIVER_KIND} and apiVersion: ${RECEIVER_API_VERSION}` }],
    };
  }
  const name = doc.metadata?.name;
  if (typeof name !== 'string' || name.length > 253 || !DNS_SUBDOMAIN.test(name)) {
    return { problems: [{ path: 'metadata.name', message: `${JSON.stringify(name)} is not a valid name (lowercase RFC 1123 subdomain required)` }] };
  }
  const ns = doc.metadata?.namespace ?? defaultNamespace;
  if (typeof ns !== 'string' || ns.length > 63 || !DNS_LABEL.test(ns)) {
    return { problems: [{ path: 'metadata.namespace', message: `${JSON.stringify(ns)} is not a valid namespace (lowercase RFC 1123 label required)` }] };
  }
  const key = `${ns}/${name}`;
  const problems = checkReceiverSchema(value);
  if (problems.length > 0) return { key, namespace: ns, problems };
  if (!doc.spec) return { key, namespace: ns, problems: [{ path: 'spec', message: 'Required value: a Receiver without spec cannot serve webhooks' }] };
  return { key, namespace: ns, problems: checkReceiverSpec(doc.spec).map((p) => ({ path: p.path, message: p.detail })) };
}
