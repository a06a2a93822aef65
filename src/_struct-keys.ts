// Keys of the structs users pass. TypeScript rejects an unknown key in a literal, but a plain
// object (JavaScript, JSON, `as any`) would keep it and the construct would ignore it: a
// snake_case `section_name` would silently attach a route to every listener. So each struct's
// keys are checked at synth time, and the error names the key and the camelCase one meant.

/**
 * The keys of struct `T`, complete by construction: the object literal must name every key of
 * `T` and nothing else, so a new prop that is not listed here fails to compile.
 */
export function structKeys<T>(): (keys: { readonly [K in keyof Required<T>]: true }) => readonly string[] {
  return (keys) => Object.keys(keys);
}

/** Throws when `value` (a struct given by the user) has a key outside `allowed`; undefined-valued keys count too. */
export function assertStructKeys(what: string, value: unknown, allowed: readonly string[]): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return;
  for (const key of Object.keys(value)) {
    if (allowed.includes(key)) continue;
    const camel = key.replace(/[_-]+([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
    const meant = allowed.find((k) => k === camel) ?? allowed.find((k) => k.toLowerCase() === key.replace(/[_-]/g, '').toLowerCase());
    throw new Error(`${what} has an unknown key ${JSON.stringify(key)}: ${meant ? `use ${JSON.stringify(meant)} (keys are camelCase)` : 'remove it'}; known keys: ${allowed.join(', ')}`);
  }
}
