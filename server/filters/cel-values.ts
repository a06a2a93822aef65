// JSON maps as cel-js sees them. cel-js types a JS object by its `constructor` property, so a
// decoded body with a key named `constructor` (or `__proto__`, `toString`, …) is not a map to it
// ("Unsupported type: object"). A Map's `constructor` cannot be set from JSON: every JSON object
// handed to CEL (req, res, claims) becomes a Map, recursively.

/** A JSON object as CEL evaluates it. */
export type CelMap = ReadonlyMap<string, unknown>;

/**
 * `value` with every plain object replaced by a Map (arrays and scalars kept). Iterative: a body
 * may nest as deep as the JSON decoder allows.
 */
export function toCelValue(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || value instanceof Map) return value;
  const root: { value: unknown } = { value: undefined };
  const work: { readonly from: unknown; readonly assign: (v: unknown) => void }[] = [{ from: value, assign: (v) => (root.value = v) }];
  while (work.length > 0) {
    const { from, assign } = work.pop()!;
    if (typeof from !== 'object' || from === null || from instanceof Map || from instanceof Uint8Array) {
      assign(from);
    } else if (Array.isArray(from)) {
      const out: unknown[] = new Array(from.length);
      assign(out);
      for (let i = 0; i < from.length; i++) work.push({ from: from[i], assign: (v) => (out[i] = v) });
    } else {
      const out = new Map<string, unknown>();
      assign(out);
      // Object.keys lists own keys only, `__proto__` included when JSON.parse created it.
      for (const key of Object.keys(from)) {
        out.set(key, undefined);
        work.push({ from: (from as Record<string, unknown>)[key], assign: (v) => out.set(key, v) });
      }
    }
  }
  return root.value;
}

/** `toCelValue` of a JSON object (or of nothing: the empty map). */
export function toCelMap(value: Readonly<Record<string, unknown>> | CelMap | undefined): CelMap {
  if (value === undefined) return new Map();
  return toCelValue(value) as CelMap;
}
