import { Duration } from 'cdk8s';

/**
 * Renders a cdk8s Duration in Flux's Go duration syntax (`^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$`),
 * in the largest whole unit, e.g. 1h, 90m, 45s, 1500ms.
 */
export function fluxDuration(what: string, duration: Duration): string {
  const ms = duration.toMilliseconds({ integral: false });
  if (!Number.isInteger(ms) || ms <= 0) {
    throw new Error(`${what} must be a positive whole number of milliseconds, got ${ms}ms: use e.g. Duration.minutes(10)`);
  }
  for (const [unit, size] of [['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
