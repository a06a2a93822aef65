// The set-up every example shares: one app with one chart in flux-system (where Flux, its
// sources and the receivers live), and the guide's GitRepository `webapp`.
import { App, Chart, Duration } from 'cdk8s';
import { GitRef, GitRepository } from '../src';

export interface ExampleApp {
  readonly app: App;
  readonly chart: Chart;
}

export function exampleApp(outdir?: string): ExampleApp {
  const app = new App({ outdir });
  return { app, chart: new Chart(app, 'webhooks', { namespace: 'flux-system' }) };
}

/** The GitRepository `webapp` of Flux's guide (github.com/org/webapp). */
export function webappRepository(chart: Chart, options: { ref?: GitRef; interval?: Duration } = {}): GitRepository {
  return new GitRepository(chart, 'Webapp', {
    metadata: { name: 'webapp' },
    url: 'https://github.com/org/webapp',
    ref: options.ref ?? GitRef.branch('main'),
    interval: options.interval,
  });
}
