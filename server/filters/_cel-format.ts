// cel-go's strings extension `format`: `'%s-%d'.format([a, b])`. Supports the verbs cel-go
// documents: %s %d %f %e %x %X %o %b (with an optional precision for %f/%e) and %%.

function formatString(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') return Number.isInteger(value) && Math.abs(value) < 1e21 ? value.toString() : String(value);
  if (typeof value === 'boolean') return String(value);
  if (value === null) return 'null';
  if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
  if (Array.isArray(value)) return `[${value.map(formatString).join(', ')}]`;
  if (typeof value === 'object') {
    const inner = (value as { valueOf?: () => unknown }).valueOf?.();
    if (typeof inner === 'bigint' || typeof inner === 'number') return formatString(inner);
    const entries = value instanceof Map ? [...value.entries()] : Object.entries(value as Record<string, unknown>);
    return `{${entries.map(([k, v]) => `${String(k)}: ${formatString(v)}`).join(', ')}}`;
  }
  return String(value);
}

function integer(value: unknown, verb: string): bigint {
  const inner = typeof value === 'object' && value !== null ? (value as { valueOf(): unknown }).valueOf() : value;
  if (typeof inner === 'bigint') return inner;
  if (typeof inner === 'number' && Number.isInteger(inner)) return BigInt(inner);
  throw new Error(`error during formatting: %${verb} is not supported for ${typeof inner}`);
}

function double(value: unknown, verb: string): number {
  const inner = typeof value === 'object' && value !== null ? (value as { valueOf(): unknown }).valueOf() : value;
  if (typeof inner === 'number') return inner;
  if (typeof inner === 'bigint') return Number(inner);
  throw new Error(`error during formatting: %${verb} is not supported for ${typeof inner}`);
}

function radix(value: unknown, verb: string, base: number): string {
  if (base === 16 && typeof value === 'string') return Buffer.from(value, 'utf8').toString('hex');
  if (base === 16 && value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  const n = integer(value, verb);
  return n < 0n ? `-${(-n).toString(base)}` : n.toString(base);
}

export function celFormat(template: string, args: readonly unknown[]): string {
  let out = '';
  let next = 0;
  const take = (verb: string): unknown => {
    if (next >= args.length) throw new Error(`index ${next} out of range for %${verb}`);
    return args[next++];
  };
  for (let i = 0; i < template.length; i++) {
    const ch = template[i];
    if (ch !== '%') {
      out += ch;
      continue;
    }
    const match = /^(?:\.(\d+))?([%sdfexXob])/.exec(template.slice(i + 1));
    if (!match) throw new Error(`could not parse formatting clause at position ${i}`);
    i += match[0].length;
    const precision = match[1] === undefined ? undefined : Number(match[1]);
    const verb = match[2];
    switch (verb) {
      case '%': out += '%'; break;
      case 's': out += formatString(take(verb)); break;
      case 'd': out += integer(take(verb), verb).toString(); break;
      case 'f': out += double(take(verb), verb).toFixed(precision ?? 6); break;
      case 'e': out += double(take(verb), verb).toExponential(precision ?? 6).replace(/e([+-])(\d)$/, 'e$10$2'); break;
      case 'x': out += radix(take(verb), verb, 16); break;
      case 'X': out += radix(take(verb), verb, 16).toUpperCase(); break;
      case 'o': out += radix(take(verb), verb, 8); break;
      case 'b': out += radix(take(verb), verb, 2); break;
    }
  }
  return out;
}
