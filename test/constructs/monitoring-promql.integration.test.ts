// The PromQL the monitoring objects carry, checked against the real things: Prometheus' own parser
// (promtool check rules), the /metrics of a running receiver server and of a running
// notification-controller, and Prometheus' rule unit tester (promtool test rules) on synthetic
// series.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parser } from '@prometheus-io/lezer-promql';
import { Testing } from 'cdk8s';
import { FluxReceivers, MonitoringOptions, WebhookReceiver, WebhookReceiverProps } from '../../src';
import { NotificationController, startNotificationController } from '../harness/flux/notification-controller';
import { githubPushHeaders, send } from '../harness/http';
import { adminApiServer, createTestNamespace } from '../harness/kube';
import { promtool, promtoolBinary } from '../harness/promtool';
import { BundleProcess } from '../harness/server-process';
import { createGitRepositories, receiver, receiverPath, requestedAt } from '../server/receiver-fixture';

type Manifest = { kind: string; metadata: { name: string }; spec?: any; data?: any };

interface Rule { alert: string; expr: string; for?: string; labels: Record<string, string>; annotations: Record<string, string> }

function synth(kind: 'server' | 'flux', monitoring: MonitoringOptions = {}, props: WebhookReceiverProps = {}): Manifest[] {
  const chart = Testing.chart();
  if (kind === 'server') new WebhookReceiver(chart, 'Receiver', { ...props, monitoring });
  else new FluxReceivers(chart, 'Flux', { monitoring });
  return Testing.synth(chart) as Manifest[];
}

const rulesOf = (m: Manifest[]): Rule[] => m.find((x) => x.kind === 'PrometheusRule')!.spec.groups.flatMap((g: any) => g.rules);

/** Every dashboard query, with Grafana's `$__rate_interval` replaced as Grafana does (a duration). */
function dashboardQueries(m: Manifest[]): { panel: string; expr: string }[] {
  const cm = m.find((x) => x.kind === 'ConfigMap' && x.metadata.name.endsWith('-dashboard'))!;
  const dashboard = JSON.parse(Object.values(cm.data as Record<string, string>)[0]);
  return dashboard.panels.flatMap((p: any) => p.targets.map((t: any) => ({ panel: p.title, expr: t.expr.split('$__rate_interval').join('5m') })));
}

/** Every expression of `m`: the alert rules' and the dashboard's. */
function expressions(m: Manifest[]): { source: string; expr: string }[] {
  return [
    ...rulesOf(m).map((r) => ({ source: `alert ${r.alert}`, expr: r.expr })),
    ...dashboardQueries(m).map((q) => ({ source: `panel "${q.panel}"`, expr: q.expr })),
  ];
}

/** A rule file holding the alerts as they are and each dashboard query as a recording rule. */
function ruleFile(m: Manifest[]) {
  return {
    groups: [
      { name: 'alerts', rules: rulesOf(m) },
      { name: 'dashboard', rules: dashboardQueries(m).map((q, i) => ({ record: `dashboard:query_${i}`, expr: q.expr })) },
    ],
  };
}

/** Metric names with the label names each selector matches on, and the labels of every by/on clause. */
function namesIn(expr: string) {
  const selectors: { metric: string; labels: string[] }[] = [];
  const grouping: string[] = [];
  const errors: string[] = [];
  parser.parse(expr).iterate({
    enter: (n) => {
      if (n.type.isError) errors.push(`syntax error at ${n.from}: ${JSON.stringify(expr.slice(n.from, n.from + 20))}`);
      if (n.name === 'VectorSelector') {
        const id = n.node.getChild('Identifier');
        const labels = (n.node.getChild('LabelMatchers')?.getChildren('UnquotedLabelMatcher') ?? [])
          .map((lm) => expr.slice(lm.getChild('LabelName')!.from, lm.getChild('LabelName')!.to));
        selectors.push({ metric: id ? expr.slice(id.from, id.to) : '', labels });
      }
      if (n.name === 'GroupingLabels') grouping.push(...n.node.getChildren('LabelName').map((l) => expr.slice(l.from, l.to)));
    },
  });
  return { selectors, grouping, errors };
}

/** Metric name → its label names, from a Prometheus text exposition. */
function exposition(text: string): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? /.exec(line);
    if (!m) continue;
    const labels = out.get(m[1]) ?? new Set<string>();
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="(?:[^"\\]|\\.)*"/g)) labels.add(l[1]);
    out.set(m[1], labels);
  }
  return out;
}

/** Labels Prometheus adds when it scrapes (the monitors set `job`; `pod` is a pod target's). */
const TARGET_LABELS = ['job', 'pod'];

/** What in `exprs` a scrape of `exposed` lacks; empty when everything is there. */
function missingNames(exprs: { source: string; expr: string }[], exposed: Map<string, Set<string>>): string[] {
  const missing: string[] = [];
  for (const { source, expr } of exprs) {
    const { selectors, grouping, errors } = namesIn(expr);
    missing.push(...errors.map((e) => `${source}: ${e}`));
    const known = new Set(TARGET_LABELS);
    for (const s of selectors) {
      const labels = exposed.get(s.metric);
      if (!labels) {
        missing.push(`${source}: metric ${s.metric}`);
        continue;
      }
      labels.forEach((l) => known.add(l));
      for (const l of s.labels) if (!labels.has(l) && !TARGET_LABELS.includes(l)) missing.push(`${source}: label ${l} of ${s.metric}`);
    }
    for (const l of grouping) if (!known.has(l)) missing.push(`${source}: grouping label ${l}`);
  }
  return missing;
}

describe('monitoring PromQL', () => {
  const server = synth('server');
  const flux = synth('flux');

  // A first build of promtool takes about 11 minutes on 2 cores; later runs reuse the cache.
  beforeAll(() => {
    promtoolBinary();
  }, 1_800_000);

  describe('parses with Prometheus\' parser (promtool check rules)', () => {
    test.each([['WebhookReceiver', server], ['FluxReceivers', flux]])('%s: every alert and every dashboard query', (_name, manifests) => {
      const res = promtool(['check', 'rules', 'rules.yaml'], { 'rules.yaml': ruleFile(manifests) });
      expect(res.output).toMatch(/SUCCESS: \d+ rules found/);
      expect(res.status).toBe(0);
      expect(Number(/SUCCESS: (\d+) rules found/.exec(res.output)![1])).toBe(expressions(manifests).length);
    });

    test('the check can fail: a misspelt function is refused', () => {
      const broken = { groups: [{ name: 'x', rules: [{ alert: 'X', expr: 'sum(rat(flux_webhook_receiver_patches_total[5m]))' }] }] };
      const res = promtool(['check', 'rules', 'rules.yaml'], { 'rules.yaml': broken });
      expect(res.status).not.toBe(0);
      expect(res.output).toMatch(/unknown function with name "rat"/);
    });
  });

  describe('names only metrics and labels a running server exposes', () => {
    let proc: BundleProcess;
    let scrape: string;

    beforeAll(async () => {
      const ns = await createTestNamespace('monitoring-scrape');
      await createGitRepositories(ns, [{ name: 'app' }]);
      const token = 'monitoring-scrape-token';
      proc = await BundleProcess.start({
        receivers: [receiver('app', ns, { type: 'github', secretRef: { name: 'app-token' }, resources: [{ apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'GitRepository', name: 'app' }] })],
        tokens: { 'app-token': token },
        env: { RECEIVER_DUPLICATE_WINDOW: '5m' },
      });
      // One delivery of each kind the panels and alerts look at: accepted (a PATCH, a target, the
      // verification key), its redelivered copy, a wrong signature, an unknown path.
      const url = proc.url(receiverPath(token, 'app', ns));
      const body = JSON.stringify({ ref: 'refs/heads/main' });
      const headers = githubPushHeaders(token, body);
      expect((await send(url, { method: 'POST', headers, body })).status).toBe(200);
      expect(await requestedAt(ns, 'app')).toBeDefined();
      expect((await send(url, { method: 'POST', headers, body })).status).toBe(200);
      expect((await send(url, { method: 'POST', headers: githubPushHeaders('wrong', body), body })).status).toBe(400);
      expect((await send(proc.url('/hook/unknown'), { method: 'POST', body: '{}' })).status).toBe(404);
      scrape = (await send(`http://127.0.0.1:${proc.ports.metrics}/metrics`, { method: 'GET' })).body;
    });

    afterAll(async () => {
      await proc?.stop();
    });

    test('the scrape holds the deliveries just sent (the comparison below has something to compare with)', () => {
      expect(scrape).toMatch(/flux_webhook_receiver_deliveries_total\{[^}]*outcome="triggered"[^}]*\} 1/);
      expect(scrape).toMatch(/flux_webhook_receiver_duplicate_deliveries_total\{[^}]*\} 1/);
      expect(scrape).toMatch(/flux_webhook_receiver_verification_key_matches_total\{[^}]*key="token"[^}]*\} 2/);
    });

    test('WebhookReceiver: every metric and label in the alerts and the dashboard', () => {
      expect(missingNames(expressions(server), exposition(scrape))).toEqual([]);
    });

    test('the comparison can fail: a metric and a label the server does not have are reported', () => {
      const exprs = [{ source: 'x', expr: 'sum by (receiver) (rate(flux_webhook_receiver_deliveries_total{reason="x"}[5m])) + flux_webhook_receiver_nope' }];
      expect(missingNames(exprs, exposition(scrape))).toEqual([
        'x: label reason of flux_webhook_receiver_deliveries_total',
        'x: metric flux_webhook_receiver_nope',
        'x: grouping label receiver',
      ]);
    });
  });

  describe('alerts fire when they should and stay silent otherwise (promtool test rules)', () => {
    const JOB = 'flux-system/flux-webhook-receiver';
    const LIMIT = 384 * 1048576;
    const rules = rulesOf(server);
    const rule = (name: string) => rules.find((r) => r.alert === name)!;
    const deliveries = (name: string, outcome: string) =>
      `flux_webhook_receiver_deliveries_total{job="${JOB}", namespace="flux-system", name="${name}", type="github", outcome="${outcome}"}`;

    /** The alert as promtool reports it: the rule's labels, the result's labels, templates filled in. */
    function firing(name: string, labels: Record<string, string>) {
      const r = rule(name);
      const all = { ...r.labels, ...labels };
      const fill = (t: string) => t.replace(/\{\{ \$labels\.(\w+) \}\}/g, (_m, l: string) => all[l] ?? '');
      return { exp_labels: all, exp_annotations: { summary: fill(r.annotations.summary), description: fill(r.annotations.description) } };
    }

    /** Runs promtool on the synthesized rules and one test group per case; returns its output. */
    function run(tests: object[]) {
      const files = {
        'rules.yaml': { groups: [{ name: 'alerts', rules }] },
        'tests.yaml': { rule_files: ['rules.yaml'], evaluation_interval: '1m', tests },
      };
      return promtool(['test', 'rules', 'tests.yaml'], files);
    }

    test.each<[string, object[]]>([
      ['a receiver that refuses every delivery fires; one that also accepts, and refusals older than the window, stay silent', [{
        interval: '1m',
        input_series: [
          { series: deliveries('broken', 'rejected'), values: '0+2x30' },
          { series: deliveries('busy', 'rejected'), values: '0+2x30' },
          { series: deliveries('busy', 'triggered'), values: '0+1x30' },
          { series: deliveries('healed', 'rejected'), values: '0+1x5 5x25' },
        ],
        alert_rule_test: [
          { eval_time: '20m', alertname: 'FluxWebhookReceiverRefusingDeliveries', exp_alerts: [firing('FluxWebhookReceiverRefusingDeliveries', { namespace: 'flux-system', name: 'broken' })] },
          {
            eval_time: '2m',
            alertname: 'FluxWebhookReceiverRefusingDeliveries',
            exp_alerts: [
              firing('FluxWebhookReceiverRefusingDeliveries', { namespace: 'flux-system', name: 'broken' }),
              firing('FluxWebhookReceiverRefusingDeliveries', { namespace: 'flux-system', name: 'healed' }),
            ],
          },
        ],
      }]],
      ['PATCH errors above 5% fire; below stay silent', [
        {
          interval: '1m',
          input_series: [
            { series: `flux_webhook_receiver_patches_total{job="${JOB}", outcome="error"}`, values: '0+1x20' },
            { series: `flux_webhook_receiver_patches_total{job="${JOB}", outcome="ok"}`, values: '0+10x20' },
          ],
          alert_rule_test: [{ eval_time: '15m', alertname: 'FluxWebhookReceiverPatchErrors', exp_alerts: [firing('FluxWebhookReceiverPatchErrors', { job: JOB })] }],
        },
        {
          interval: '1m',
          input_series: [
            { series: `flux_webhook_receiver_patches_total{job="${JOB}", outcome="error"}`, values: '0+1x20' },
            { series: `flux_webhook_receiver_patches_total{job="${JOB}", outcome="ok"}`, values: '0+30x20' },
          ],
          alert_rule_test: [{ eval_time: '15m', alertname: 'FluxWebhookReceiverPatchErrors', exp_alerts: [] }],
        },
      ]],
      ['receivers not ready for 10 minutes fire; for 8 minutes stay silent', [{
        interval: '1m',
        input_series: [
          { series: `flux_webhook_receiver_receivers{job="${JOB}", pod="p1", state="not_ready"}`, values: '1x20' },
          { series: `flux_webhook_receiver_receivers{job="${JOB}", pod="p2", state="not_ready"}`, values: '1x8 0x12' },
          { series: `flux_webhook_receiver_receivers{job="${JOB}", pod="p2", state="ready"}`, values: '3x20' },
        ],
        alert_rule_test: [
          { eval_time: '9m', alertname: 'FluxWebhookReceiverNotReady', exp_alerts: [] },
          { eval_time: '15m', alertname: 'FluxWebhookReceiverNotReady', exp_alerts: [firing('FluxWebhookReceiverNotReady', { job: JOB, pod: 'p1' })] },
        ],
      }]],
      ['two keys verifying for a day fire; an old key that stopped, or a rotation under a day old, stay silent', [{
        interval: '10m',
        input_series: [
          { series: `flux_webhook_receiver_verification_key_matches_total{job="${JOB}", namespace="flux-system", name="stuck", key="token"}`, values: '0+1x200' },
          { series: `flux_webhook_receiver_verification_key_matches_total{job="${JOB}", namespace="flux-system", name="stuck", key="token.next"}`, values: '0+1x200' },
          { series: `flux_webhook_receiver_verification_key_matches_total{job="${JOB}", namespace="flux-system", name="done", key="token"}`, values: '0+1x60 60x140' },
          { series: `flux_webhook_receiver_verification_key_matches_total{job="${JOB}", namespace="flux-system", name="done", key="token.next"}`, values: '0+1x200' },
        ],
        alert_rule_test: [
          { eval_time: '23h', alertname: 'FluxWebhookReceiverOldVerificationKeyInUse', exp_alerts: [] },
          { eval_time: '30h', alertname: 'FluxWebhookReceiverOldVerificationKeyInUse', exp_alerts: [firing('FluxWebhookReceiverOldVerificationKeyInUse', { namespace: 'flux-system', name: 'stuck' })] },
        ],
      }]],
      ['resident memory above 90% of the limit for 5 minutes fires; at half stays silent', [{
        interval: '1m',
        input_series: [
          { series: `process_resident_memory_bytes{job="${JOB}", pod="p1"}`, values: `${Math.round(LIMIT * 0.95)}x15` },
          { series: `process_resident_memory_bytes{job="${JOB}", pod="p2"}`, values: `${LIMIT / 2}x15` },
        ],
        alert_rule_test: [
          { eval_time: '3m', alertname: 'FluxWebhookReceiverMemoryNearLimit', exp_alerts: [] },
          { eval_time: '10m', alertname: 'FluxWebhookReceiverMemoryNearLimit', exp_alerts: [firing('FluxWebhookReceiverMemoryNearLimit', { job: JOB, pod: 'p1' })] },
        ],
      }]],
    ])('%s', (_name, tests) => {
      const res = run(tests);
      expect(res.output).toMatch(/SUCCESS/);
      expect(res.status).toBe(0);
    });

    test('the tester can fail: expecting silence where an alert fires is reported', () => {
      const res = run([{
        interval: '1m',
        input_series: [{ series: `process_resident_memory_bytes{job="${JOB}", pod="p1"}`, values: `${LIMIT}x15` }],
        alert_rule_test: [{ eval_time: '10m', alertname: 'FluxWebhookReceiverMemoryNearLimit', exp_alerts: [] }],
      }]);
      expect(res.status).not.toBe(0);
      expect(res.output).toMatch(/FAILED/);
    });

    test('notification-controller: no 2xx answer for 15 minutes fires; some 2xx stays silent', () => {
      const fluxRule = rulesOf(flux)[0];
      const count = (job: string, code: string) => `gotk_receiver_http_request_duration_seconds_count{job="${job}", service="", handler="/hook/", method="POST", code="${code}"}`;
      const nc = 'flux-system/notification-controller';
      const files = {
        'rules.yaml': { groups: [{ name: 'alerts', rules: [fluxRule] }] },
        'tests.yaml': {
          rule_files: ['rules.yaml'],
          tests: [
            {
              interval: '1m',
              input_series: [{ series: count(nc, '400'), values: '0+1x30' }],
              alert_rule_test: [{ eval_time: '20m', alertname: fluxRule.alert, exp_alerts: [{ exp_labels: { ...fluxRule.labels, job: nc }, exp_annotations: fluxRule.annotations }] }],
            },
            {
              interval: '1m',
              input_series: [{ series: count(nc, '400'), values: '0+1x30' }, { series: count(nc, '200'), values: '0+1x30' }],
              alert_rule_test: [{ eval_time: '20m', alertname: fluxRule.alert, exp_alerts: [] }],
            },
          ],
        },
      };
      const res = promtool(['test', 'rules', 'tests.yaml'], files);
      expect(res.output).toMatch(/SUCCESS/);
      expect(res.status).toBe(0);
    });
  });

  describe('FluxReceivers names only what notification-controller exposes', () => {
    let nc: NotificationController | undefined;
    let scrape: string;
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'nc-metrics-'));

    beforeAll(async () => {
      // A first build of notification-controller takes several minutes; later runs reuse the cache.
      // Only its own, empty namespace: other test files' Receivers in the shared apiserver are not its to reconcile.
      nc = await startNotificationController(adminApiServer(), work, { namespace: await createTestNamespace('nc-metrics') });
      // Its HTTP metrics appear with the first request to the receiver endpoint.
      expect((await send(`${nc.receiverUrl}/hook/unknown`, { method: 'POST', body: '{}' })).status).toBe(404);
      scrape = (await send(nc.metricsUrl, { method: 'GET' })).body;
    }, 1_800_000);

    afterAll(async () => {
      await nc?.stop();
      fs.rmSync(work, { recursive: true, force: true });
    });

    test('every metric and label in its alert and dashboard', () => {
      expect(scrape).toMatch(/gotk_receiver_http_request_duration_seconds_count\{[^}]*code="404"/);
      expect(missingNames(expressions(flux), exposition(scrape))).toEqual([]);
    });

    test('the panels it cannot fill really are missing there: no delivery, PATCH or key metrics', () => {
      const exposed = exposition(scrape);
      for (const name of ['flux_webhook_receiver_deliveries_total', 'flux_webhook_receiver_patches_total', 'flux_webhook_receiver_verification_key_matches_total']) {
        expect(exposed.has(name)).toBe(false);
      }
    });
  });
});
