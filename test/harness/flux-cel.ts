// Flux's own CEL runtime (fluxcd/pkg runtime/cel, as notification-controller compiles resource
// filters), built from the Go module proxy by flux-cel/build.sh, for tests that compare this
// project's CEL with the real thing.
import { execFileSync } from 'child_process';
import * as path from 'path';

/** What Flux's runtime made of one resource filter. */
export type FluxCelOutcome =
  | { readonly compileError: string }
  | { readonly evalError: string }
  | { readonly result: boolean };

export interface FluxCelCase {
  readonly expression: string;
  /** `res`, `req` (and `claims` with `claims: true`): JSON, as notification-controller decodes it. */
  readonly variables: Record<string, unknown>;
  readonly claims?: boolean;
}

let binary: string | undefined;

/** Builds flux-cel unless cached (a minute or two the first time); give the calling hook a long timeout. */
export function buildFluxCel(): string {
  if (binary) return binary;
  const out = execFileSync('bash', [path.join(__dirname, 'flux-cel', 'build.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  binary = path.join(out.trim().split('\n').pop()!, 'flux-cel');
  return binary;
}

/** Compiles and evaluates each case with Flux's runtime, in one process. */
export function fluxCel(cases: readonly FluxCelCase[]): FluxCelOutcome[] {
  const input = cases.map((c) => JSON.stringify({ expression: c.expression, claims: c.claims ?? false, variables: c.variables })).join('\n') + '\n';
  const out = execFileSync(buildFluxCel(), { input, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const outcomes = out.trim().split('\n').map((line) => JSON.parse(line) as FluxCelOutcome);
  if (outcomes.length !== cases.length) throw new Error(`flux-cel answered ${outcomes.length} of ${cases.length} cases`);
  return outcomes;
}
