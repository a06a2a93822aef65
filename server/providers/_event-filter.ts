// The `spec.events` allow-list (github, gitlab, bitbucket, cdevents): an empty list accepts
// everything; otherwise the event must equal an entry under Unicode simple case folding, like
// Go's strings.EqualFold (wire/equal-fold.ts).
import { equalFold } from '../wire/equal-fold';

/** Whether `event` passes the allow-list `events` (undefined or empty: everything passes). */
export function eventAllowed(event: string, events: readonly string[] | undefined): boolean {
  if (!events || events.length === 0) return true;
  return events.some((allowed) => equalFold(allowed, event));
}
