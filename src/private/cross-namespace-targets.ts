import { assertNamespaceName } from './validation';
import { ReceiverDefinition } from '../receiver-definition';

/** `crossNamespaceTargets` checked: namespace names, none of them the receivers' own. */
export function allowedTargetNamespaces(owner: string, value: string[] | undefined, own: string, noCrossNamespaceRefs: boolean): ReadonlySet<string> {
  if (value === undefined) return new Set();
  if (!Array.isArray(value)) throw new Error(`${owner}: crossNamespaceTargets ${JSON.stringify(value)} is not a list: give namespace names, e.g. ['flux-system']`);
  value.forEach((ns, i) => assertNamespaceName(`${owner}: crossNamespaceTargets[${i}]`, ns));
  if (noCrossNamespaceRefs && value.length > 0) {
    throw new Error(`${owner}: crossNamespaceTargets ${JSON.stringify(value)} contradicts noCrossNamespaceRefs: true, which refuses every target outside ${JSON.stringify(own)}: drop one of them`);
  }
  return new Set(value);
}

/**
 * Refuses a target outside the receivers' namespace unless the app allowed its namespace:
 * `consequence` says what such a target costs with this backend.
 */
export function assertTargetNamespaces(
  owner: string, definition: ReceiverDefinition, own: string, allowed: ReadonlySet<string>, consequence: (ns: string) => string,
): void {
  for (const target of definition.targets) {
    const ns = target.namespace ?? own;
    if (ns === own || allowed.has(ns)) continue;
    throw new Error(`${owner}: receiver ${JSON.stringify(definition.name)}: target ${target.kind} ${JSON.stringify(target.name)} is in namespace ${JSON.stringify(ns)}, `
      + `not in the receivers' namespace ${JSON.stringify(own)}: ${consequence(ns)}. Either declare the receiver in ${JSON.stringify(ns)} (a chart or construct with namespace ${JSON.stringify(ns)}), `
      + `or allow the namespace explicitly with crossNamespaceTargets: [${[...allowed, ns].map((n) => `'${n}'`).join(', ')}]`);
  }
}
