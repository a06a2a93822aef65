// A small PromQL writer over the metric definitions in src/model/metrics.ts: a selector or a
// grouping can only name a metric the server defines and a label that metric has (or one that
// Prometheus adds to every scraped series), so a renamed metric or label fails to compile here.
import type { MetricDefinition } from '../model';

/** Labels Prometheus adds to every series it scrapes (the monitors set `job`). */
export type TargetLabel = 'job' | 'pod';

/** A label matcher's value: a string is `=`; the others are PromQL's `!=`, `=~`, `!~`. */
export type Matcher = string | { readonly not: string } | { readonly re: readonly string[] } | { readonly notRe: readonly string[] };

/** The selector of `metric`; `part` picks a histogram's `_bucket`, `_sum` or `_count` series. */
export function series<L extends string>(
  metric: MetricDefinition<L>,
  matchers: { readonly [K in L | TargetLabel]?: Matcher },
  part?: 'bucket' | 'sum' | 'count',
): string {
  if (part !== undefined && !metric.histogram) throw new Error(`${metric.name} is not a histogram: it has no _${part} series`);
  const text = Object.entries(matchers as { [k: string]: Matcher | undefined })
    .filter((e): e is [string, Matcher] => e[1] !== undefined)
    .map(([label, m]) => `${label}${matcherText(m)}`);
  return `${metric.name}${part ? `_${part}` : ''}{${text.join(', ')}}`;
}

/** ` by (…)` over labels of `metric`, target labels, or a histogram's bucket bound `le`. */
export function by<L extends string>(_metric: MetricDefinition<L>, labels: readonly (L | TargetLabel | 'le')[]): string {
  return ` by (${labels.join(', ')})`;
}

function matcherText(m: Matcher): string {
  if (typeof m === 'string') return `=${quote(m)}`;
  if ('not' in m) return `!=${quote(m.not)}`;
  if ('re' in m) return `=~${quote(m.re.join('|'))}`;
  return `!~${quote(m.notRe.join('|'))}`;
}

/** A PromQL string literal (Go's escapes for `\` and `"`). */
function quote(value: string): string {
  return JSON.stringify(value);
}

/** A Prometheus duration (`15m`, `36h`, `90s`) for a whole number of seconds. */
export function promDuration(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}
