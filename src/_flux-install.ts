// The namespaced objects every Flux v2 install (`flux install`, `flux bootstrap`) creates in its
// namespace (flux-system by default; any namespace with `--namespace`). Objects this library emits
// must never share kind and name with them: server-side apply would conflict with Flux's field
// manager, and a client-side apply would silently take the object over (e.g. re-point Flux's
// `webhook-receiver` Service at other pods) until the next Flux reconcile takes it back.
import { IConstruct } from 'constructs';
import { FLUX_RECEIVER_SERVICE_NAME } from './model';

const CONTROLLERS = [
  'source-controller', 'kustomize-controller', 'helm-controller', 'notification-controller',
  'image-reflector-controller', 'image-automation-controller', 'source-watcher',
];

/** Kind → names Flux owns in its namespace. */
const FLUX_OBJECTS: { readonly [kind: string]: readonly string[] } = {
  Deployment: CONTROLLERS,
  ServiceAccount: CONTROLLERS,
  Service: ['source-controller', 'notification-controller', FLUX_RECEIVER_SERVICE_NAME, 'source-watcher'],
  NetworkPolicy: ['allow-egress', 'allow-scraping', 'allow-webhooks'],
};

/** The Flux object an object of `kind` named `name` would take over, if any. */
export function fluxObjectTakenOver(kind: string, name: string): string | undefined {
  return FLUX_OBJECTS[kind]?.includes(name) ? `${kind} "${name}"` : undefined;
}

/** The error message for an object that would take over one of Flux's objects. */
export function fluxCollisionMessage(path: string, field: string, kind: string, name: string): string {
  return `${path}: ${field} "${name}" would take over Flux's ${kind} "${name}" (every Flux install has one in its namespace, flux-system by default): choose another name, or omit ${field} for the default`;
}

/** Throws when an explicitly chosen name would take over one of Flux's objects. */
export function assertNotFluxObject(scope: IConstruct, field: string, kind: string, name: string | undefined): void {
  if (name !== undefined && fluxObjectTakenOver(kind, name)) {
    throw new Error(fluxCollisionMessage(scope.node.path, field, kind, name));
  }
}
