// Values of `reconcile.fluxcd.io/requestedAt`. Flux controllers only compare the value for change,
// so it must be unique: RFC3339 with nanoseconds (like `flux reconcile`), strictly increasing
// within the process even when two patches fall in the same millisecond.

let last = 0n;

export function requestedAtNow(): string {
  const subMs = process.hrtime.bigint() % 1_000_000n;
  let nanos = BigInt(Date.now()) * 1_000_000n + subMs;
  if (nanos <= last) nanos = last + 1n;
  last = nanos;
  const seconds = new Date(Number(nanos / 1_000_000_000n) * 1000).toISOString().slice(0, 19);
  return `${seconds}.${(nanos % 1_000_000_000n).toString().padStart(9, '0')}Z`;
}
