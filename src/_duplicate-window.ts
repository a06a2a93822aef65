// `WebhookReceiverProps.duplicateWindow` as the server's `--duplicate-window` value.
import { Duration } from 'cdk8s';
import { fluxDuration } from './_flux-duration';

const MAX_WINDOW_MS = 24 * 3_600_000;

/** The flag value (`0` turns the window off); throws naming the construct, the value and the fix. */
export function duplicateWindowFlag(what: string, window: Duration): string {
  const ms = window.toMilliseconds({ integral: false });
  if (!Number.isInteger(ms) || ms < 0 || ms > MAX_WINDOW_MS) {
    throw new Error(`${what}: duplicateWindow ${ms}ms is not a whole number of milliseconds from 0 to 24 hours: use e.g. Duration.minutes(10), or Duration.seconds(0) to turn it off`);
  }
  return ms === 0 ? '0' : fluxDuration(`${what} duplicateWindow`, window);
}
