// Node prints process warnings (deprecations in dependencies, e.g. node-fetch 2's `url.parse`,
// DEP0169 on Node 24) as plain text on stderr, which breaks the one-JSON-object-per-line log
// contract. Route them through the logger instead: deprecations at debug (nothing an operator can
// act on), every other warning at warn. Each distinct warning is logged once.
import type { Logger } from './logger';

export function routeProcessWarnings(log: Logger, proc: NodeJS.Process = process): void {
  const seen = new Set<string>();
  proc.removeAllListeners('warning');
  proc.on('warning', (warning: Error & { code?: string }) => {
    const key = `${warning.name}:${warning.code ?? ''}:${warning.message}`;
    if (seen.has(key)) return;
    seen.add(key);
    const fields = { warning: warning.name, code: warning.code, detail: warning.message };
    if (warning.name === 'DeprecationWarning') log.debug('node warning', fields);
    else log.warn('node warning', fields);
  });
}

/**
 * For the setup commands (`token`, `url`, `send`, `register`), whose stderr a person reads: dependencies'
 * deprecations are dropped (nothing the user can act on), any other warning is one plain line.
 */
export function quietDeprecations(proc: NodeJS.Process = process): void {
  proc.removeAllListeners('warning');
  proc.on('warning', (warning: Error) => {
    if (warning.name !== 'DeprecationWarning') proc.stderr.write(`warning: ${warning.name}: ${warning.message}\n`);
  });
}
