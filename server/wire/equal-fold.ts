// Go's strings.EqualFold: equal under Unicode simple case folding. Used for the `spec.events`
// allow-list and for Go's case-insensitive JSON field names.

// Characters whose JS case mapping has no simple case fold in Unicode (Turkic dotted/dotless i).
const NO_SIMPLE_FOLD = new Set(['\u0130', '\u0131']);

function singleCodePoint(text: string): boolean {
  return Array.from(text).length === 1;
}

function foldEqual(a: string, b: string): boolean {
  if (a === b) return true;
  if (NO_SIMPLE_FOLD.has(a) || NO_SIMPLE_FOLD.has(b)) return false;
  const lowerA = a.toLowerCase();
  const lowerB = b.toLowerCase();
  if (singleCodePoint(lowerA) && singleCodePoint(lowerB) && lowerA === lowerB) return true;
  const upperA = a.toUpperCase();
  const upperB = b.toUpperCase();
  return singleCodePoint(upperA) && singleCodePoint(upperB) && upperA === upperB;
}

/** Go's strings.EqualFold. */
export function equalFold(a: string, b: string): boolean {
  const left = Array.from(a);
  const right = Array.from(b);
  return left.length === right.length && left.every((ch, index) => foldEqual(ch, right[index]));
}
