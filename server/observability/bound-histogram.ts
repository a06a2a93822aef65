// A Prometheus histogram whose label sets are bound once. prom-client's Histogram checks and
// hashes the labels on every observation; once per request, for two histograms, that was a
// measurable part of the rejected path (docs/benchmarks.md). Observing through a bound series
// here is a bucket search and three additions. It registers with prom-client's Registry and is
// rendered by it, in the same form as prom-client's own Histogram.
import type { Metric, Registry } from 'prom-client';

/** One series of a BoundHistogram. */
export interface BoundObserver {
  observe(value: number): void;
}

interface Series {
  readonly labels: Readonly<Record<string, string>>;
  /** Observations per bucket, not cumulative (cumulated when rendered). */
  readonly buckets: number[];
  sum: number;
  count: number;
}

/** What prom-client's Registry reads from a metric: its values, each with its labels and series name. */
interface Value {
  readonly value: number;
  readonly labels: Readonly<Record<string, string | number>>;
  readonly sharedLabels?: Readonly<Record<string, string>>;
  readonly metricName: string;
}

export interface BoundHistogramOptions<L extends string> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly L[];
  /** Upper bounds, ascending; `+Inf` is added. */
  readonly buckets: readonly number[];
  readonly registers: readonly Registry[];
}

export class BoundHistogram<L extends string> {
  readonly name: string;
  readonly help: string;
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly labelNames: readonly L[];
  private readonly upperBounds: readonly number[];
  private readonly series = new Map<string, Series>();

  constructor(options: BoundHistogramOptions<L>) {
    this.name = options.name;
    this.help = options.help;
    this.labelNames = options.labelNames;
    this.upperBounds = [...options.buckets];
    for (const registry of options.registers) registry.registerMetric(this as unknown as Metric);
  }

  /** The series of `labels`, created on first use: keep it and observe through it. */
  bind(labels: Readonly<Record<L, string>>): BoundObserver {
    const key = this.labelNames.map((n) => labels[n]).join('\u0000');
    let found = this.series.get(key);
    if (!found) {
      const own: Record<string, string> = {};
      for (const n of this.labelNames) own[n] = labels[n];
      found = { labels: own, buckets: this.upperBounds.map(() => 0), sum: 0, count: 0 };
      this.series.set(key, found);
    }
    const series = found;
    const bounds = this.upperBounds;
    return {
      observe(value: number): void {
        // prom-client throws on these; a metric must never fail a request, so they are dropped.
        if (!Number.isFinite(value)) return;
        series.sum += value;
        series.count++;
        for (let i = 0; i < bounds.length; i++) {
          if (value <= bounds[i]) {
            series.buckets[i]++;
            return;
          }
        }
      },
    };
  }

  /** What the Registry renders as text: the shape prom-client's Histogram gives it. */
  async getForPromString(): Promise<{ name: string; help: string; type: string; values: Value[]; aggregator: string }> {
    const values: Value[] = [];
    const bucket = `${this.name}_bucket`;
    for (const s of this.series.values()) {
      let cumulative = 0;
      this.upperBounds.forEach((le, i) => {
        cumulative += s.buckets[i];
        values.push({ labels: { le }, sharedLabels: s.labels, value: cumulative, metricName: bucket });
      });
      values.push({ labels: { le: '+Inf' }, sharedLabels: s.labels, value: s.count, metricName: bucket });
      values.push({ labels: {}, sharedLabels: s.labels, value: s.sum, metricName: `${this.name}_sum` });
      values.push({ labels: {}, sharedLabels: s.labels, value: s.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  /** The same values with each series' labels merged in (the Registry's JSON form). */
  async get(): Promise<{ name: string; help: string; type: string; values: Value[]; aggregator: string }> {
    const text = await this.getForPromString();
    return { ...text, values: text.values.map((v) => ({ value: v.value, metricName: v.metricName, labels: { ...v.labels, ...v.sharedLabels } })) };
  }

  /** Zeroes every series (bound observers stay valid). */
  reset(): void {
    for (const s of this.series.values()) {
      s.buckets.fill(0);
      s.sum = 0;
      s.count = 0;
    }
  }
}
