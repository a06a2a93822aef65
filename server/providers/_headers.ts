import type { WebhookRequest } from './provider';

/** A header's value like Go's `Header.Get`: the first value, or '' when absent. */
export function headerValue(request: WebhookRequest, name: string): string {
  const value = request.headers[name.toLowerCase()];
  if (Array.isArray(value)) return value[0] ?? '';
  return value ?? '';
}

/** A header's value, or undefined when the sender did not send it (for optional delivery ids). */
export function optionalHeader(request: WebhookRequest, name: string): string | undefined {
  const value = headerValue(request, name);
  return value === '' ? undefined : value;
}

/**
 * A header's value as UTF-8 text. Node hands header bytes over as latin1; Go compares the raw
 * bytes as UTF-8 (strings.EqualFold in the events allow-list), so `Pu\u017Fh Hook` must fold.
 */
export function headerText(request: WebhookRequest, name: string): string {
  const value = headerValue(request, name);
  // Pure ASCII (the usual case) reads the same either way.
  return /^[\x00-\x7f]*$/.test(value) ? value : Buffer.from(value, 'latin1').toString('utf8');
}
