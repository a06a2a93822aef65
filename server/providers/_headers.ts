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
