// Synth-time check across the whole app: two objects of one kind with the same namespace and name
// would overwrite each other when applied (the last one wins, silently), and an object named like
// one of Flux's would take it over. Names are only final once the whole app is built, so this runs
// as a validation at synth time, not in a constructor.
import { ApiObject } from 'cdk8s';
import { IConstruct } from 'constructs';
import { fluxCollisionMessage, fluxObjectTakenOver } from './_flux-install';

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
    const taken = fluxObjectTakenOver(o.kind, o.name);
    if (taken) errors.push(fluxCollisionMessage(o.node.path, 'metadata.name', o.kind, o.name));
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
