// Turns the errors @kubernetes/client-node throws (ApiException from typed calls, plain Errors
// with `statusCode` from watches, fetch errors) into a status code and the API server's message.

export interface ApiErrorDetails {
  /** HTTP status, when the API server answered. */
  readonly status?: number;
  /** The API server's `Status.message`, or the error text. */
  readonly message: string;
}

export function apiErrorDetails(err: unknown): ApiErrorDetails {
  const e = err as { code?: unknown; statusCode?: unknown; body?: unknown; message?: unknown };
  const status = typeof e.code === 'number' ? e.code : typeof e.statusCode === 'number' ? e.statusCode : undefined;
  let body = e.body;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      // not JSON: the text itself is the message
    }
  }
  if (body && typeof body === 'object' && typeof (body as { message?: unknown }).message === 'string') {
    return { status, message: (body as { message: string }).message };
  }
  if (typeof body === 'string' && body.trim()) return { status, message: body.trim() };
  // ApiException puts the whole response in `message`; keep its first line only.
  const text = typeof e.message === 'string' ? e.message.split('\n')[0] : String(err);
  return { status, message: text };
}

export function describeApiError(err: unknown): string {
  const { status, message } = apiErrorDetails(err);
  return status ? `HTTP ${status}: ${message}` : message;
}
