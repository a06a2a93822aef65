// Checks of the values users pass, shared by the constructs. Messages name the field, quote the
// bad value and give a hint.

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Whether `value` is a Kubernetes object name (RFC 1123 subdomain, at most 253 characters). */
export function isObjectName(value: unknown): boolean {
  return typeof value === 'string' && value.length > 0 && value.length <= 253 && DNS_SUBDOMAIN.test(value);
}

/** Throws unless `value` is a Kubernetes object name. */
export function assertObjectName(what: string, value: string): void {
  if (!isObjectName(value)) {
    throw new Error(`${what} ${JSON.stringify(value)} is not a valid Kubernetes object name: use at most 253 lowercase letters, digits, '-' and '.', starting and ending with a letter or digit`);
  }
}

/** Throws unless `value` is a namespace name (RFC 1123 label, at most 63 characters). */
export function assertNamespaceName(what: string, value: string): void {
  if (typeof value !== 'string' || value.length === 0 || value.length > 63 || !DNS_LABEL.test(value)) {
    throw new Error(`${what} ${JSON.stringify(value)} is not a valid namespace name: use at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit`);
  }
}

/** Throws if `value` is given but blank. */
export function assertNotBlank(what: string, value: string | undefined): void {
  if (value !== undefined && (typeof value !== 'string' || value.trim() === '')) {
    throw new Error(`${what} ${JSON.stringify(value)} is empty: omit it or give a non-empty value`);
  }
}

/** Throws when a factory that takes no options was called with some (possible from JavaScript). */
export function assertNoOptions(factory: string, args: IArguments, hint: string): void {
  const given = Array.from(args).filter((a) => a !== undefined);
  if (given.length > 0) {
    throw new Error(`${factory} takes no options, got ${JSON.stringify(given.length === 1 ? given[0] : given)}: ${hint}`);
  }
}

/** Throws when `options` has keys outside `allowed` (typos, or options of another provider). */
export function assertKnownKeys(factory: string, options: object | undefined, allowed: readonly string[], hint: string): void {
  if (!options) return;
  const unknown = Object.keys(options).filter((k) => !allowed.includes(k) && (options as any)[k] !== undefined);
  if (unknown.length > 0) {
    throw new Error(`${factory} does not accept ${unknown.map((k) => `${k}=${JSON.stringify((options as any)[k])}`).join(', ')}: ${hint}`);
  }
}

// The keys of the structs users pass. TypeScript rejects an unknown key in a literal, but a plain
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
