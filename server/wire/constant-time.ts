import { timingSafeEqual } from 'crypto';

/**
 * Constant-time equality of two byte strings. Unequal lengths are rejected after a dummy
 * comparison of the same cost, so the length check does not short-circuit the timing.
 */
export function constantTimeEqual(a: Buffer | string, b: Buffer | string): boolean {
  const left = typeof a === 'string' ? Buffer.from(a, 'utf8') : a;
  const right = typeof b === 'string' ? Buffer.from(b, 'utf8') : b;
  if (left.length !== right.length) {
    timingSafeEqual(left, left);
    return false;
  }
  return timingSafeEqual(left, right);
}
