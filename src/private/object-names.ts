// The names of the objects this library emits. A Flux source is named after its construct id;
// no object may take the name of one of Flux's own objects, nor that of another object of the app.
import { ApiObject, ApiObjectMetadata } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { FLUX_RECEIVER_SERVICE_NAME } from '../model';
import { isObjectName } from './validation';

/**
 * The metadata of a Flux source. People and the `flux` CLI address sources by name
 * (`flux reconcile source git webapp`), so without `metadata.name` the construct id is the name
 * when it is a valid object name; otherwise cdk8s generates one. Two objects with one name are
 * refused at synth time (checkObjectsAtSynth).
 */
export function sourceMetadata(source: Construct, metadata: ApiObjectMetadata | undefined): ApiObjectMetadata | undefined {
  if (metadata?.name !== undefined) return metadata;
  const id = source.node.id;
  if (!isObjectName(id)) return metadata;
  return { ...metadata, name: id };
}

// The namespaced objects every Flux v2 install (`flux install`, `flux bootstrap`) creates in its
// namespace (flux-system by default; any namespace with `--namespace`). Objects this library emits
// must never share kind and name with them: server-side apply would conflict with Flux's field
// manager, and a client-side apply would silently take the object over (e.g. re-point Flux's
// `webhook-receiver` Service at other pods) until the next Flux reconcile takes it back.

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

/** Whether an object of `kind` named `name` would take over one of Flux's objects. */
function isFluxObject(kind: string, name: string): boolean {
  return FLUX_OBJECTS[kind]?.includes(name) ?? false;
}

/** The error message for an object that would take over one of Flux's objects. */
function fluxCollisionMessage(path: string, field: string, kind: string, name: string): string {
  return `${path}: ${field} "${name}" would take over Flux's ${kind} "${name}" (every Flux install has one in its namespace, flux-system by default): choose another name, or omit ${field} for the default`;
}

/** Throws when an explicitly chosen name would take over one of Flux's objects. */
export function assertNotFluxObject(scope: IConstruct, field: string, kind: string, name: string | undefined): void {
  if (name !== undefined && isFluxObject(kind, name)) {
    throw new Error(fluxCollisionMessage(scope.node.path, field, kind, name));
  }
}

// Synth-time check across the whole app: two objects of one kind with the same namespace and name
// would overwrite each other when applied (the last one wins, silently), and an object named like
// one of Flux's would take it over. Names are only final once the whole app is built, so this runs
// as a validation at synth time, not in a constructor.

/** Per app root: the library constructs that registered, in order of construction. */
const registered = new WeakMap<IConstruct, IConstruct[]>();

/**
 * Registers `owner` (a construct of this library) for the synth-time check of the objects it
 * emits against every other object of the app.
 */
export function checkObjectsAtSynth(owner: IConstruct): void {
  const root = owner.node.root;
  const owners = registered.get(root) ?? [];
  owners.push(owner);
  registered.set(root, owners);
  owner.node.addValidation({ validate: () => collisions(owner, owners) });
}

function apiObjectsUnder(scope: IConstruct): ApiObject[] {
  return scope.node.findAll().filter((c): c is ApiObject => ApiObject.isApiObject(c));
}

function identity(o: ApiObject): string {
  return `${o.apiGroup}|${o.kind}|${o.metadata.namespace ?? ''}|${o.name}`;
}

function describe(o: ApiObject): string {
  const ns = o.metadata.namespace;
  return `${o.kind} "${o.name}" ${ns ? `in namespace "${ns}"` : 'without a namespace'}`;
}

function collisions(owner: IConstruct, owners: readonly IConstruct[]): string[] {
  const own = apiObjectsUnder(owner);
  if (own.length === 0) return [];
  const byIdentity = new Map<string, ApiObject[]>();
  for (const o of apiObjectsUnder(owner.node.root)) {
    const id = identity(o);
    byIdentity.set(id, [...(byIdentity.get(id) ?? []), o]);
  }
  const errors: string[] = [];
  const reported = new Set<string>();
  for (const o of own) {
    if (isFluxObject(o.kind, o.name)) errors.push(fluxCollisionMessage(o.node.path, 'metadata.name', o.kind, o.name));
    const id = identity(o);
    const same = byIdentity.get(id)!;
    if (same.length < 2 || reported.has(id)) continue;
    reported.add(id);
    // Report each clash once: from the first registered construct that emits one of the objects.
    const first = owners.find((c) => same.some((s) => s.node.scopes.includes(c)));
    if (first !== owner) continue;
    errors.push(`${describe(o)} is emitted ${same.length} times, by ${same.map((s) => s.node.path).join(' and ')}: `
      + 'objects of one kind need distinct names within a namespace, or the last one applied silently replaces the others; rename one (metadata.name, serviceName, or the receiver name)');
  }
  return errors;
}
