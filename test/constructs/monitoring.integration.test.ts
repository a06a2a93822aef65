import { Duration, Size, Testing } from 'cdk8s';
import { FluxReceivers, MonitoringOptions, ScrapeKind, WebhookReceiver, WebhookReceiverProps } from '../../src';
import { createTestNamespace, dryRunApply, ManifestObject, manifestIds } from '../harness/kube';
import { readmeSnippet } from '../harness/readme-app';

type Manifest = ManifestObject & { metadata: any; spec?: any; data?: any };

function synthReceiver(props: WebhookReceiverProps = {}): Manifest[] {
  const chart = Testing.chart();
  new WebhookReceiver(chart, 'Receiver', props);
  return Testing.synth(chart) as Manifest[];
}

function synthFlux(monitoring: MonitoringOptions, namespace = 'flux-system'): Manifest[] {
  const chart = Testing.chart();
  new FluxReceivers(chart, 'Flux', { namespace, monitoring });
  return Testing.synth(chart) as Manifest[];
}

const one = (manifests: Manifest[], kind: string) => {
  const found = manifests.filter((m) => m.kind === kind);
  expect(found).toHaveLength(1);
  return found[0];
};
const alerts = (manifests: Manifest[]) => one(manifests, 'PrometheusRule').spec.groups.flatMap((g: any) => g.rules) as any[];
const alert = (manifests: Manifest[], name: string) => alerts(manifests).find((r) => r.alert === name);
const dashboardOf = (manifests: Manifest[]) => {
  const cm = manifests.find((m) => m.kind === 'ConfigMap' && m.metadata.name.endsWith('-dashboard'))!;
  return JSON.parse(Object.values(cm.data as Record<string, string>)[0]);
};

describe('WebhookReceiver monitoring', () => {
  test('off by default: no monitor, rule or dashboard', () => {
    const kinds = synthReceiver().map((m) => m.kind);
    expect(kinds).not.toEqual(expect.arrayContaining(['PodMonitor']));
    expect(kinds.filter((k) => ['PodMonitor', 'ServiceMonitor', 'PrometheusRule'].includes(k))).toEqual([]);
    expect(synthReceiver().filter((m) => m.kind === 'ConfigMap').map((m) => m.metadata.name)).not.toContainEqual(expect.stringMatching(/dashboard/));
  });

  test('monitoring: {} gives a PodMonitor on the pods\' metrics port, a PrometheusRule and a dashboard, labelled for kube-prometheus-stack and the sidecar', () => {
    const manifests = synthReceiver({ namespace: 'webhooks', monitoring: {} });
    const deployment = one(manifests, 'Deployment');
    const pod = deployment.spec.template;
    const monitor = one(manifests, 'PodMonitor');
    expect(monitor.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(monitor.metadata).toMatchObject({ name: 'flux-webhook-receiver', namespace: 'webhooks', labels: { release: 'kube-prometheus-stack' } });
    // The selector picks the receiver's pods and the port is one the container declares.
    for (const [k, v] of Object.entries(monitor.spec.selector.matchLabels)) expect(pod.metadata.labels[k]).toBe(v);
    expect(monitor.spec.namespaceSelector).toEqual({ matchNames: ['webhooks'] });
    const endpoint = monitor.spec.podMetricsEndpoints[0];
    expect(pod.spec.containers[0].ports.map((p: any) => p.name)).toContain(endpoint.port);
    expect(pod.spec.containers[0].ports.find((p: any) => p.name === endpoint.port).containerPort).toBe(8080);
    expect(endpoint).toMatchObject({ path: '/metrics', honorLabels: true, relabelings: [{ action: 'replace', targetLabel: 'job', replacement: 'webhooks/flux-webhook-receiver' }] });
    expect(one(manifests, 'PrometheusRule').metadata.labels).toMatchObject({ release: 'kube-prometheus-stack' });
    const cm = manifests.find((m) => m.kind === 'ConfigMap' && m.metadata.name === 'flux-webhook-receiver-dashboard')!;
    expect(cm.metadata).toMatchObject({ namespace: 'webhooks', labels: { grafana_dashboard: '1' } });
    expect(cm.metadata.labels.release).toBeUndefined();
  });

  test('every alert selects the monitor\'s job, has a severity and says which command helps', () => {
    const rules = alerts(synthReceiver({ monitoring: {} }));
    expect(rules.map((r) => r.alert)).toEqual([
      'FluxWebhookReceiverRefusingDeliveries',
      'FluxWebhookReceiverPatchErrors',
      'FluxWebhookReceiverNotReady',
      'FluxWebhookReceiverOldVerificationKeyInUse',
      'FluxWebhookReceiverMemoryNearLimit',
    ]);
    for (const r of rules) {
      expect(r.expr).toContain('job="flux-system/flux-webhook-receiver"');
      expect(r.labels).toMatchObject({ job: 'flux-system/flux-webhook-receiver', severity: expect.stringMatching(/^(warning|critical)$/) });
      expect(r.annotations.summary.length).toBeGreaterThan(10);
    }
    for (const r of rules.filter((x) => x.alert !== 'FluxWebhookReceiverMemoryNearLimit')) {
      expect(r.annotations.description).toMatch(/`flux-webhook-receiver (send|url|token) /);
    }
  });

  test('thresholds reach the rules; the memory alert uses the container\'s limit', () => {
    const rules = synthReceiver({
      resources: { memory: { request: Size.mebibytes(64), limit: Size.mebibytes(256) } },
      monitoring: {
        refusedFor: Duration.minutes(30),
        patchErrorRatio: 0.2,
        notReadyFor: Duration.minutes(3),
        verificationKeyOverlap: Duration.hours(36),
        memoryLimitRatio: 0.8,
        alertLabels: { team: 'platform' },
      },
    });
    expect(alert(rules, 'FluxWebhookReceiverRefusingDeliveries').expr).toMatch(/\[30m\]/);
    expect(alert(rules, 'FluxWebhookReceiverPatchErrors').expr).toMatch(/> 0\.2$/);
    expect(alert(rules, 'FluxWebhookReceiverNotReady').for).toBe('3m');
    expect(alert(rules, 'FluxWebhookReceiverOldVerificationKeyInUse').for).toBe('36h');
    expect(alert(rules, 'FluxWebhookReceiverMemoryNearLimit').expr).toMatch(new RegExp(`/ ${256 * 1048576} > 0\\.8$`));
    expect(alert(rules, 'FluxWebhookReceiverMemoryNearLimit').annotations.summary).toContain('256Mi');
    expect(alerts(rules).every((r) => r.labels.team === 'platform')).toBe(true);
    // The default limit (384Mi) when resources are not set.
    expect(alert(synthReceiver({ monitoring: {} }), 'FluxWebhookReceiverMemoryNearLimit').expr).toContain(`/ ${384 * 1048576} > 0.9`);
  });

  test('no memory alert and no limit line when the container has no memory limit', () => {
    const manifests = synthReceiver({ resources: { memory: { request: Size.mebibytes(64) } }, monitoring: {} });
    expect(alert(manifests, 'FluxWebhookReceiverMemoryNearLimit')).toBeUndefined();
    const memory = dashboardOf(manifests).panels.find((p: any) => p.title === 'Memory against the limit');
    expect(memory.targets.map((t: any) => t.legendFormat)).toEqual(['{{pod}} resident', '{{pod}} buffered bodies']);
  });

  test('the dashboard: every panel queries the job; one uid per job, stable across synths', () => {
    const a = dashboardOf(synthReceiver({ monitoring: {} }));
    expect(a.panels.map((p: any) => p.title)).toEqual([
      'Deliveries per receiver and outcome', 'Refused requests by reason', 'Delivery latency (includes the PATCH)',
      'Reconcile PATCHes by outcome', 'Deliveries per PATCH (coalescing)', 'Rate-limited deliveries (429)', 'Duplicate deliveries',
      'Verification key that matched (token rotation)', 'Receivers by readiness', 'Memory against the limit',
    ]);
    for (const p of a.panels) {
      for (const t of p.targets.filter((x: any) => !x.expr.startsWith('vector('))) expect(t.expr).toContain('job="flux-system/flux-webhook-receiver"');
    }
    // Panels do not overlap.
    const cells = a.panels.map((p: any) => `${p.gridPos.x},${p.gridPos.y}`);
    expect(new Set(cells).size).toBe(cells.length);
    expect(dashboardOf(synthReceiver({ monitoring: {} })).uid).toBe(a.uid);
    expect(dashboardOf(synthReceiver({ serviceName: 'hooks', monitoring: {} })).uid).not.toBe(a.uid);
    expect(a.uid.length).toBeLessThanOrEqual(40);
  });

  test('ServiceMonitor: a Service of the metrics port selecting the pods, and a ServiceMonitor selecting that Service', () => {
    const manifests = synthReceiver({ monitoring: { scrape: ScrapeKind.SERVICE_MONITOR, prometheusLabels: { prometheus: 'main' } } });
    expect(manifests.filter((m) => m.kind === 'PodMonitor')).toEqual([]);
    const monitor = one(manifests, 'ServiceMonitor');
    expect(monitor.metadata.labels).toMatchObject({ prometheus: 'main' });
    expect(monitor.metadata.labels.release).toBeUndefined();
    const service = manifests.find((m) => m.kind === 'Service' && m.metadata.name === 'flux-webhook-receiver-metrics')!;
    for (const [k, v] of Object.entries(monitor.spec.selector.matchLabels)) expect(service.metadata.labels[k]).toBe(v);
    // Only the metrics Service matches: the webhook Service lacks the component label.
    const webhookService = manifests.find((m) => m.kind === 'Service' && m.metadata.name === 'flux-webhook-receiver')!;
    expect(Object.entries(monitor.spec.selector.matchLabels).every(([k, v]) => webhookService.metadata.labels[k] === v)).toBe(false);
    expect(service.spec.ports).toEqual([{ name: 'http-prom', port: 8080, protocol: 'TCP', targetPort: 'http-prom' }]);
    expect(service.spec.selector).toEqual(one(manifests, 'Deployment').spec.selector.matchLabels);
    expect(monitor.spec.endpoints[0]).toMatchObject({ port: 'http-prom', honorLabels: true, relabelings: [{ targetLabel: 'job', replacement: 'flux-system/flux-webhook-receiver' }] });
  });

  test('alerts: false and dashboard: false leave the monitor only; the dashboard can live in Grafana\'s namespace', () => {
    const bare = synthReceiver({ monitoring: { alerts: false, dashboard: false } });
    expect(bare.filter((m) => ['PodMonitor', 'PrometheusRule'].includes(m.kind)).map((m) => m.kind)).toEqual(['PodMonitor']);
    expect(bare.filter((m) => m.metadata.name.endsWith('-dashboard'))).toEqual([]);
    const elsewhere = synthReceiver({ monitoring: { dashboardNamespace: 'monitoring', dashboardLabels: { grafana_dashboard: 'flux' } } });
    expect(elsewhere.find((m) => m.metadata.name.endsWith('-dashboard'))!.metadata).toMatchObject({ namespace: 'monitoring', labels: { grafana_dashboard: 'flux' } });
  });

  describe('validation', () => {
    test.each<[string, MonitoringOptions, RegExp]>([
      ['a ratio of 1 or more', { patchErrorRatio: 5 }, /monitoring\.patchErrorRatio 5 is not a share between 0 and 1 \(exclusive\): use e\.g\. 0\.9/],
      ['a ratio of 0', { memoryLimitRatio: 0 }, /monitoring\.memoryLimitRatio 0 is not a share/],
      ['a duration under a minute', { refusedFor: Duration.seconds(30) }, /monitoring\.refusedFor 30s is not a whole number of minutes of at least one/],
      ['a duration of a fraction of a minute', { notReadyFor: Duration.seconds(90) }, /monitoring\.notReadyFor 90s is not a whole number of minutes/],
      ['a snake_case key', { alert_labels: {} } as any, /monitoring has an unknown key "alert_labels": use "alertLabels"/],
      ['an unknown scrape kind', { scrape: 'Probe' } as any, /monitoring\.scrape "Probe" is not a ScrapeKind: use ScrapeKind\.POD_MONITOR or ScrapeKind\.SERVICE_MONITOR/],
      ['a bad dashboard namespace', { dashboardNamespace: 'Monitoring' }, /dashboardNamespace/],
    ])('%s fails at synth time naming the construct and the field', (_name, monitoring, message) => {
      expect(() => synthReceiver({ monitoring })).toThrow(message);
      expect(() => synthReceiver({ monitoring })).toThrow(/WebhookReceiver test\/Receiver: monitoring/);
    });

    test('a ServiceMonitor whose Service name would pass 63 characters', () => {
      expect(() => synthReceiver({ serviceName: 'x'.repeat(60), monitoring: { scrape: ScrapeKind.SERVICE_MONITOR } }))
        .toThrow(/needs a Service named "x{60}-metrics", longer than 63 characters: use a shorter serviceName or ScrapeKind\.POD_MONITOR/);
    });
  });

  test('the apiserver accepts every object with the Prometheus operator\'s CRDs (strict server-side dry run): PodMonitor and ServiceMonitor', async () => {
    const ns = await createTestNamespace('monitoring');
    for (const objects of [
      synthReceiver({ namespace: ns, monitoring: { alertLabels: { team: 'platform' } } }),
      synthReceiver({ namespace: ns, monitoring: { scrape: ScrapeKind.SERVICE_MONITOR } }),
    ]) {
      expect(await dryRunApply(objects)).toEqual(manifestIds(objects));
    }
  });
});

test('the README\'s monitoring example synthesizes the monitor, the rules and the dashboard', () => {
  const manifests = readmeSnippet('Monitoring: scraped, graphed, alerted') as Manifest[];
  expect(manifests.filter((m) => ['PodMonitor', 'PrometheusRule'].includes(m.kind)).map((m) => m.kind).sort()).toEqual(['PodMonitor', 'PrometheusRule']);
  expect(manifests.filter((m) => m.kind === 'ConfigMap' && m.metadata.labels?.grafana_dashboard === '1')).toHaveLength(1);
});

describe('FluxReceivers monitoring', () => {
  test('a PodMonitor on notification-controller\'s pods, its HTTP panels and the refusal alert only', () => {
    const manifests = synthFlux({});
    const monitor = one(manifests, 'PodMonitor');
    expect(monitor.metadata).toMatchObject({ name: 'notification-controller', namespace: 'flux-system' });
    expect(monitor.spec.selector.matchLabels).toEqual({ app: 'notification-controller' });
    expect(monitor.spec.podMetricsEndpoints[0]).toMatchObject({ port: 'http-prom', relabelings: [{ replacement: 'flux-system/notification-controller' }] });
    expect(alerts(manifests).map((r) => r.alert)).toEqual(['FluxReceiverRefusingDeliveries']);
    // The ServiceMonitor variant's Service sits beside notification-controller, whatever the chart's namespace.
    const service = one(synthFlux({ scrape: ScrapeKind.SERVICE_MONITOR }), 'Service');
    expect(service.metadata).toMatchObject({ name: 'notification-controller-metrics', namespace: 'flux-system' });
    expect(dashboardOf(manifests).panels.map((p: any) => p.title)).toEqual(['Webhook requests by status code', 'Webhook latency (includes the PATCHes)', 'Requests in flight', 'Memory']);
  });

  test.each(['patchErrorRatio', 'notReadyFor', 'verificationKeyOverlap', 'memoryLimitRatio'])('%s is refused: notification-controller has no metric for its alert', (key) => {
    const value = key.endsWith('Ratio') ? 0.5 : Duration.minutes(5);
    expect(() => synthFlux({ [key]: value })).toThrow(new RegExp(`FluxReceivers test/Flux: monitoring\\.${key} is set, but notification-controller exports no metric for its alert \\(it exists for WebhookReceiver only\\): remove ${key}`));
  });

  test('the apiserver accepts the objects (strict server-side dry run)', async () => {
    const ns = await createTestNamespace('flux-monitoring');
    for (const objects of [synthFlux({}, ns), synthFlux({ scrape: ScrapeKind.SERVICE_MONITOR }, ns)]) {
      expect(await dryRunApply(objects)).toEqual(manifestIds(objects));
    }
  });
});
