// The bound histogram must be indistinguishable from prom-client's Histogram on /metrics: same
// text for the same observations (bucket edges, +Inf, sum, count, label order and escaping).
import { Histogram, Registry } from 'prom-client';
import { BoundHistogram } from '../../../server/observability/bound-histogram';

const NAME = 'gotk_receiver_http_request_duration_seconds';
const HELP = 'The latency of the HTTP requests.';
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
type L = 'service' | 'handler' | 'method' | 'code';

function both() {
  const theirs = new Registry();
  const ours = new Registry();
  const reference = new Histogram<L>({ name: NAME, help: HELP, labelNames: ['service', 'handler', 'method', 'code'], buckets: BUCKETS, registers: [theirs] });
  const bound = new BoundHistogram<L>({ name: NAME, help: HELP, labelNames: ['service', 'handler', 'method', 'code'], buckets: BUCKETS, registers: [ours] });
  return { theirs, ours, reference, bound };
}

describe('BoundHistogram', () => {
  test('renders exactly what prom-client renders for the same observations', async () => {
    const { theirs, ours, reference, bound } = both();
    const series: Record<L, string>[] = [
      { service: '', handler: '/hook/', method: 'POST', code: '400' },
      { service: '', handler: '/hook/', method: 'POST', code: '200' },
      // Label values that need escaping in the text format.
      { service: 'a"b\\c\nd', handler: '/hook/', method: 'GET', code: '404' },
    ];
    // On a bucket edge, between edges, above every edge, zero.
    const observations = [0.005, 0.0051, 0.3, 10, 11, 0, 2.5, 1e-9];
    series.forEach((labels, i) => {
      const observer = bound.bind(labels);
      for (const v of observations.slice(i)) {
        reference.observe(labels, v);
        observer.observe(v);
      }
    });
    const text = await ours.metrics();
    expect(text).toBe(await theirs.metrics());
    expect(text).toContain(`${NAME}_bucket{le="0.005",service="",handler="/hook/",method="POST",code="400"} 3`);
    expect(text).toContain(`${NAME}_bucket{le="+Inf",service="",handler="/hook/",method="POST",code="400"} 8`);
    expect(text).toContain(`${NAME}_count{service="",handler="/hook/",method="POST",code="200"} 7`);
    // The JSON form too, but for prom-client's exemplar slots (always empty: exemplars are off).
    const withoutExemplars = (json: unknown) => JSON.parse(JSON.stringify(json, (k, v) => (k === 'exemplar' ? undefined : v)));
    expect(withoutExemplars(await ours.getMetricsAsJSON())).toEqual(withoutExemplars(await theirs.getMetricsAsJSON()));
  });

  test('binding the same labels twice gives one series; no series, no samples', async () => {
    const { ours, theirs, bound } = both();
    expect(await ours.metrics()).toBe(await theirs.metrics());
    const labels = { service: '', handler: '/hook/', method: 'POST', code: '400' };
    bound.bind(labels).observe(0.2);
    bound.bind({ ...labels }).observe(0.3);
    expect(await ours.metrics()).toContain(`${NAME}_count{service="",handler="/hook/",method="POST",code="400"} 2`);
    expect(await ours.metrics()).toMatch(new RegExp(`${NAME}_sum\\{service="",handler="/hook/",method="POST",code="400"\\} 0\\.5\\d*\\n`));
  });

  test('a value that is not a finite number is dropped, not thrown; reset zeroes every series', async () => {
    const { ours, bound } = both();
    const observer = bound.bind({ service: '', handler: '/hook/', method: 'POST', code: '400' });
    observer.observe(NaN);
    observer.observe(Infinity);
    observer.observe(0.01);
    expect(await ours.metrics()).toContain(`${NAME}_count{service="",handler="/hook/",method="POST",code="400"} 1\n`);
    ours.resetMetrics();
    expect(await ours.metrics()).toContain(`${NAME}_count{service="",handler="/hook/",method="POST",code="400"} 0\n`);
    observer.observe(0.01);
    expect(await ours.metrics()).toContain(`${NAME}_count{service="",handler="/hook/",method="POST",code="400"} 1\n`);
  });
});
