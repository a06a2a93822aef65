// The webhook listener. It routes like Flux's Go ServeMux with the single subtree `/hook/`,
// enforces the limits, buffers the body and hands everything to the pipeline; it knows nothing
// about providers or Kubernetes.
import * as http from 'http';
import type { Socket } from 'net';
import { BodyBudget } from './body-budget';
import { muxRoute } from './go-mux-path';
import { acceptsJson, jsonAnswer } from './json-answer';
import { MAX_BODY_BYTES, readBody } from './read-body';
import type { DeliveryResult, WebhookHandler, WebhookObserver } from '../pipeline/delivery';

/** Node's equivalent of Flux's MaxHeaderBytes: larger request heads get 431. */
export const MAX_HEADER_BYTES = 256 * 1024;
/** Time to receive the request head (Flux: ReadHeaderTimeout 10 s). */
export const HEADERS_TIMEOUT_MS = 10_000;
/** Time to receive the whole request (Flux: ReadTimeout 30 s). */
export const REQUEST_TIMEOUT_MS = 30_000;
/** Idle keep-alive connections are closed after this. */
export const KEEP_ALIVE_TIMEOUT_MS = 5_000;

const NOT_FOUND_BODY = '404 page not found\n';

/** Extensions beyond Flux (docs/server.md). */
export interface WebhookServerOptions {
  /** A JSON answer to every delivery, not only to `Accept: application/json`. */
  readonly jsonAnswers?: boolean;
}

/** Seconds a client is asked to wait when the body budget is spent. */
const RETRY_AFTER_SECONDS = 1;

export function createWebhookServer(
  handler: WebhookHandler, observer: WebhookObserver, budget = new BodyBudget(), options: WebhookServerOptions = {},
): http.Server {
  const server = http.createServer(
    {
      maxHeaderSize: MAX_HEADER_BYTES,
      headersTimeout: HEADERS_TIMEOUT_MS,
      requestTimeout: REQUEST_TIMEOUT_MS,
      keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
      // Node checks the two timeouts above only this often (default 30 s).
      connectionsCheckingInterval: 1_000,
    },
    (req, res) => void handleRequest(req, res, handler, observer, budget, options),
  );
  // No limit on requests per keep-alive connection, like Go (Node's default is none either).
  server.maxRequestsPerSocket = 0;
  server.on('clientError', answerClientError);
  return server;
}

/** Node's answers to a request it cannot parse (its default `clientError` handling). */
const CLIENT_ERROR_STATUS: Readonly<Record<string, string>> = {
  HPE_HEADER_OVERFLOW: '431 Request Header Fields Too Large',
  HPE_CHUNK_EXTENSIONS_OVERFLOW: '413 Payload Too Large',
  ERR_HTTP_REQUEST_TIMEOUT: '408 Request Timeout',
};

/**
 * The answers Node gives by default (431 for headers over the limit, 408, else 400), but the
 * socket is half-closed and the rest the client sends is read and dropped (at most 1 MiB or 1 s)
 * before it is destroyed: destroying it on unread bytes resets the connection, and a client still
 * sending its oversized head would see ECONNRESET instead of the 431.
 */
function answerClientError(err: NodeJS.ErrnoException, socket: Socket): void {
  if (!socket.writable || socket.bytesWritten > 0) {
    socket.destroy(err);
    return;
  }
  const status = CLIENT_ERROR_STATUS[err.code ?? ''] ?? '400 Bad Request';
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`);
  let dropped = 0;
  const timer = setTimeout(() => socket.destroy(), 1000);
  timer.unref();
  socket.on('data', (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > 1024 * 1024) socket.destroy();
  });
  socket.once('close', () => clearTimeout(timer));
  socket.resume();
}

/** One request: the mux's decision, then for the hook subtree the delivery and its answer. */
async function handleRequest(
  req: http.IncomingMessage, res: http.ServerResponse, handler: WebhookHandler, observer: WebhookObserver, budget: BodyBudget,
  options: WebhookServerOptions,
): Promise<void> {
  const arrivedAt = Date.now();
  const started = process.hrtime.bigint();
  const target = req.url ?? '/';
  const route = muxRoute(target);
  if (route.kind === 'redirect') {
    redirect(req, res, route.location);
    return;
  }
  if (route.kind === 'not-found') {
    notFound(req, res);
    return;
  }
  countInFlight(req, res, observer);
  const completed = (result: DeliveryResult, bodyBytes: number): void => {
    observer.completed({ method: req.method ?? 'GET' }, result, Number(process.hrtime.bigint() - started) / 1e9, bodyBytes);
  };
  const declared = Number(req.headers['content-length']);
  if (declared > MAX_BODY_BYTES) {
    completed(await refuseDeclaredTooLarge(req, res, declared), 0);
    return;
  }
  const result = await deliver(req, target, arrivedAt, handler, budget);
  completed(result, await answer(req, res, result, options));
}

/**
 * Counts the request in flight until the response left (or the client left): shutdown waits for
 * exactly that. A ServerResponse emits 'close' once in both cases (right after 'finish' when it
 * completed), except a pipelined response still queued behind another when the client hangs up:
 * Node never emits it, so the socket's own 'close' ends those.
 */
function countInFlight(req: http.IncomingMessage, res: http.ServerResponse, observer: WebhookObserver): void {
  observer.started();
  const socket = req.socket;
  let finished = false;
  const finish = (): void => {
    if (finished) return;
    finished = true;
    untilSocketCloses(socket)?.delete(finish);
    observer.finished();
  };
  res.once('close', finish);
  if (socket.destroyed) finish();
  else untilSocketCloses(socket, true)!.add(finish);
}

/**
 * Declared too large: the same 413 the read would give, sent at once instead of after the bytes
 * (or the 30 s timeout); the connection closes once the client stopped sending.
 */
async function refuseDeclaredTooLarge(req: http.IncomingMessage, res: http.ServerResponse, declared: number): Promise<DeliveryResult> {
  const result: DeliveryResult = { status: 413, outcome: 'too_large', reason: `request body exceeds ${MAX_BODY_BYTES} bytes` };
  try {
    res.setHeader('Connection', 'close');
    res.writeHead(413, { 'Content-Length': 0 });
    res.flushHeaders();
    // Read the rest before closing (closing on unread bytes resets the connection, and the client
    // may lose the 413): all of it when the body is at most twice the cap, else 1 MiB.
    await (declared <= 2 * MAX_BODY_BYTES ? discard(req, declared, 5000) : discard(req));
    res.end();
  } catch (err) {
    // Reaching this is a bug; the answer is already on its way.
    return { status: 500, outcome: 'target_error', reason: `internal error: ${(err as Error).message}` };
  }
  return result;
}

/** Reads the body within the budget and hands the delivery to the pipeline. */
async function deliver(
  req: http.IncomingMessage, target: string, arrivedAt: number, handler: WebhookHandler, budget: BodyBudget,
): Promise<DeliveryResult> {
  try {
    const keep = handler.wantsBody?.(target) ?? true;
    const body = await readBody(req, { budget, keep });
    try {
      if (!body.ok) {
        return { status: body.status, outcome: body.status === 413 ? 'too_large' : body.status === 503 ? 'overloaded' : 'bad_request', reason: body.reason };
      }
      if (!body.kept && handler.wantsBody?.(target)) {
        // A reload made this path a receiver while its body was being discarded.
        return { status: 503, outcome: 'unavailable', reason: 'receivers changed while the request was read; retry' };
      }
      return await handler.handle({ method: req.method ?? 'GET', url: target, headers: req.headers, body: body.body, arrivedAt });
    } finally {
      // Only once the handler is done with the body (not when the client left): a slab is reused at once.
      body.release();
    }
  } catch (err) {
    // The pipeline reports failures as results; reaching this is a bug, still answered as 500.
    return { status: 500, outcome: 'target_error', reason: `internal error: ${(err as Error).message}` };
  }
}

/** Writes the answer to a delivery; returns the length of its body. */
async function answer(req: http.IncomingMessage, res: http.ServerResponse, result: DeliveryResult, options: WebhookServerOptions): Promise<number> {
  // A refused body is not read to its end: the connection cannot carry another request. (A
  // delivery refused by the decode budget was read whole; it is closed all the same, as overload.)
  if (result.status === 413 || result.outcome === 'overloaded') res.setHeader('Connection', 'close');
  // Closing while the client still sends the rest of a too-large body resets the connection, and
  // the client may never see the 413: let the rest arrive first (bounded: 1 s or 1 MiB).
  if (result.status === 413 && !req.complete) await discard(req);
  const retryAfter = result.retryAfterSeconds ?? (result.outcome === 'overloaded' ? RETRY_AFTER_SECONDS : undefined);
  if (retryAfter !== undefined) res.setHeader('Retry-After', String(retryAfter));
  // Extension: a short report when asked for; otherwise Flux's empty body.
  const body = options.jsonAnswers || acceptsJson(req.headers.accept) ? Buffer.from(jsonAnswer(result)) : undefined;
  if (body) {
    res.writeHead(result.status, { 'Content-Type': 'application/json', 'X-Content-Type-Options': 'nosniff', 'Content-Length': body.length });
    res.end(body);
  } else {
    res.writeHead(result.status, { 'Content-Length': 0 });
    res.end();
  }
  return body?.length ?? 0;
}

function notFound(req: http.IncomingMessage, res: http.ServerResponse): void {
  req.resume();
  res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff', 'Content-Length': NOT_FOUND_BODY.length });
  res.end(NOT_FOUND_BODY);
}

/** Per socket, what to run when it closes: one 'close' listener however many requests are pipelined on it. */
const onSocketClose = new WeakMap<Socket, Set<() => void>>();

function untilSocketCloses(socket: Socket, create = false): Set<() => void> | undefined {
  let pending = onSocketClose.get(socket);
  if (!pending && create) {
    const callbacks = new Set<() => void>();
    socket.once('close', () => callbacks.forEach((callback) => callback()));
    onSocketClose.set(socket, callbacks);
    pending = callbacks;
  }
  return pending;
}

/** Reads and drops what the client still sends: until it ends, 1 MiB, or 1 s, whichever comes first. */
function discard(req: http.IncomingMessage, maxBytes = 1024 * 1024, maxMs = 1000): Promise<void> {
  return new Promise((resolve) => {
    let size = 0;
    const timer = setTimeout(done, maxMs);
    function done(): void {
      clearTimeout(timer);
      req.removeListener('data', onData);
      resolve();
    }
    function onData(chunk: Buffer): void {
      size += chunk.length;
      if (size > maxBytes) done();
    }
    req.on('data', onData);
    req.once('end', done);
    req.once('close', done);
  });
}

/** Go 1.26's ServeMux answers 307 (method and body kept; a 301 lets clients turn POST into GET). */
function redirect(req: http.IncomingMessage, res: http.ServerResponse, location: string): void {
  req.resume();
  res.writeHead(307, { 'Location': location, 'Content-Length': 0 });
  res.end();
}
