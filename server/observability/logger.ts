// One JSON object per line on stdout, like Flux's `--log-encoding=json`. Callers pass fields;
// the logger never derives anything from a request path or a secret.
import { stdoutSink } from './stdout-sink';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Any top-level string field longer than this is cut (request fields have a tighter bound: delivery-recorder.ts). */
export const FIELD_MAX_CHARS = 4096;

export type LogFields = Readonly<Record<string, unknown>>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line. */
  with(fields: LogFields): Logger;
}

export type LogSink = (line: string) => void;

export function createLogger(level: LogLevel, sink: LogSink = stdoutSink().line, base: LogFields = { logger: 'receiver-server' }): Logger {
  const threshold = LOG_LEVELS.indexOf(level);
  // Built with for-in rather than spreads and Object.entries: this runs once per request.
  const write = (lvl: LogLevel, msg: string, fields?: LogFields): void => {
    if (LOG_LEVELS.indexOf(lvl) < threshold) return;
    const entry: Record<string, unknown> = { level: lvl, ts: isoNow() };
    for (const k in base) entry[k] = base[k];
    entry.msg = msg;
    if (fields) {
      for (const k in fields) {
        const v = fields[k];
        if (v === undefined) continue;
        const value = v instanceof Error ? v.message : v;
        // Backstop for every other line: no top-level string field is ever longer than this.
        entry[k] = typeof value === 'string' && value.length > FIELD_MAX_CHARS ? `${value.slice(0, FIELD_MAX_CHARS)}…(${value.length - FIELD_MAX_CHARS} more characters)` : value;
      }
    }
    sink(JSON.stringify(entry));
  };
  return {
    debug: (msg, fields) => write('debug', msg, fields),
    info: (msg, fields) => write('info', msg, fields),
    warn: (msg, fields) => write('warn', msg, fields),
    error: (msg, fields) => write('error', msg, fields),
    with: (fields) => createLogger(level, sink, { ...base, ...fields }),
  };
}

let lastMs = 0;
let lastIso = '';

/** `new Date().toISOString()`, formatted at most once per millisecond. */
function isoNow(): string {
  const now = Date.now();
  if (now !== lastMs) {
    lastMs = now;
    lastIso = new Date(now).toISOString();
  }
  return lastIso;
}
