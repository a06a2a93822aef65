// The monitoring objects of a WebhookReceiver or of FluxReceivers: a PodMonitor or a
// ServiceMonitor (with a Service of the metrics port), a PrometheusRule and a dashboard ConfigMap.
// Both constructs call `addMonitoring` with what they know about the pods they monitor.
import { ApiObject, ApiObjectMetadata, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import k8s = kplus.k8s;
import { AlertRule, AlertThresholds, fluxAlerts, serverAlerts } from './alert-rules';
import { fluxPanels, grafanaDashboard, serverPanels } from './dashboard';
import { assertNamespaceName, assertStructKeys, structKeys } from './validation';
import {
  PodMonitor, PodMonitorSpecPodMetricsEndpointsRelabelingsAction, PrometheusRule, PrometheusRuleSpecGroupsRulesExpr,
  ServiceMonitor, ServiceMonitorSpecEndpointsRelabelingsAction,
} from '../imports/monitoring.coreos.com';
import { METRICS_PORT, METRICS_PORT_NAME } from '../model';
import { MonitoringOptions, ScrapeKind } from '../monitoring';

/** What a construct knows about the pods to monitor. */
export interface MonitoredPods {
  /** `WebhookReceiver <path>` or `FluxReceivers <path>`, for errors. */
  readonly what: string;
  readonly namespace: string;
  /** The name the monitoring objects are named after (the Service name or notification-controller). */
  readonly name: string;
  readonly selector: { readonly [key: string]: string };
  /** The metadata of the construct's other objects (labels, annotations). */
  readonly metadata: (extra?: ApiObjectMetadata) => ApiObjectMetadata;
  readonly flavour: 'server' | 'flux';
  /** The container's memory limit in bytes, when known. */
  readonly memoryLimitBytes?: number;
}

/** The objects `addMonitoring` created. */
export interface MonitoringObjects {
  readonly monitor: ApiObject;
  readonly metricsService?: k8s.KubeService;
  readonly prometheusRule?: PrometheusRule;
  readonly dashboard?: k8s.KubeConfigMap;
}

const MONITORING_OPTIONS_KEYS = structKeys<MonitoringOptions>()({
  scrape: true,
  prometheusLabels: true,
  alerts: true,
  dashboard: true,
  dashboardLabels: true,
  dashboardNamespace: true,
  alertLabels: true,
  refusedFor: true,
  patchErrorRatio: true,
  notReadyFor: true,
  verificationKeyOverlap: true,
  memoryLimitRatio: true,
});

/** The `job` label the monitors give every series of these pods; the rules and dashboard select it. */
export function monitoringJob(pods: Pick<MonitoredPods, 'namespace' | 'name'>): string {
  return `${pods.namespace}/${pods.name}`;
}

export function addMonitoring(scope: Construct, pods: MonitoredPods, options: MonitoringOptions): MonitoringObjects {
  const what = `${pods.what}: monitoring`;
  assertStructKeys(what, options, MONITORING_OPTIONS_KEYS);
  if (pods.flavour === 'flux') {
    for (const key of ['patchErrorRatio', 'notReadyFor', 'verificationKeyOverlap', 'memoryLimitRatio'] as const) {
      if (options[key] !== undefined) {
        throw new Error(`${what}.${key} is set, but notification-controller exports no metric for its alert (it exists for WebhookReceiver only): remove ${key}`);
      }
    }
  }
  const scrape = options.scrape ?? ScrapeKind.POD_MONITOR;
  if (!Object.values(ScrapeKind).includes(scrape)) {
    throw new Error(`${what}.scrape ${JSON.stringify(scrape)} is not a ScrapeKind: use ScrapeKind.POD_MONITOR or ScrapeKind.SERVICE_MONITOR`);
  }
  const thresholds: AlertThresholds = {
    refusedForSeconds: wholeMinutes(`${what}.refusedFor`, options.refusedFor ?? Duration.minutes(15)),
    patchErrorRatio: ratio(`${what}.patchErrorRatio`, options.patchErrorRatio ?? 0.05),
    notReadyForSeconds: wholeMinutes(`${what}.notReadyFor`, options.notReadyFor ?? Duration.minutes(10)),
    keyOverlapSeconds: wholeMinutes(`${what}.verificationKeyOverlap`, options.verificationKeyOverlap ?? Duration.days(1)),
    memoryLimitRatio: ratio(`${what}.memoryLimitRatio`, options.memoryLimitRatio ?? 0.9),
    memoryLimitBytes: pods.memoryLimitBytes,
  };
  const job = monitoringJob(pods);
  const promLabels = { ...(options.prometheusLabels ?? { release: 'kube-prometheus-stack' }) };
  const metadata = (name: string, labels: { [key: string]: string } = promLabels, namespace = pods.namespace) =>
    pods.metadata({ name, namespace, labels });
  // Every series gets job `<namespace>/<name>`, whichever monitor scraped it. honorLabels keeps the
  // server's own `namespace` label (the receiver's) instead of renaming it `exported_namespace`.
  const jobRelabeling = { targetLabel: 'job', replacement: job };
  const endpoint = { port: METRICS_PORT_NAME, path: '/metrics', honorLabels: true };

  let monitor: ApiObject;
  let metricsService: k8s.KubeService | undefined;
  if (scrape === ScrapeKind.POD_MONITOR) {
    monitor = new PodMonitor(scope, 'PodMonitor', {
      metadata: metadata(pods.name),
      spec: {
        selector: { matchLabels: { ...pods.selector } },
        namespaceSelector: { matchNames: [pods.namespace] },
        podMetricsEndpoints: [{
          ...endpoint,
          relabelings: [{ ...jobRelabeling, action: PodMonitorSpecPodMetricsEndpointsRelabelingsAction.REPLACE }],
        }],
      },
    });
  } else {
    const serviceName = `${pods.name}-metrics`;
    if (serviceName.length > 63) {
      throw new Error(`${what}.scrape ServiceMonitor needs a Service named ${JSON.stringify(serviceName)}, longer than 63 characters: use a shorter serviceName or ScrapeKind.POD_MONITOR`);
    }
    const serviceLabels = { ...pods.selector, 'app.kubernetes.io/component': 'metrics' };
    metricsService = new k8s.KubeService(scope, 'MetricsService', {
      metadata: metadata(serviceName, serviceLabels),
      spec: {
        type: 'ClusterIP',
        selector: { ...pods.selector },
        ports: [{ name: METRICS_PORT_NAME, port: METRICS_PORT, protocol: 'TCP', targetPort: k8s.IntOrString.fromString(METRICS_PORT_NAME) }],
      },
    });
    monitor = new ServiceMonitor(scope, 'ServiceMonitor', {
      metadata: metadata(pods.name),
      spec: {
        selector: { matchLabels: serviceLabels },
        namespaceSelector: { matchNames: [pods.namespace] },
        endpoints: [{ ...endpoint, relabelings: [{ ...jobRelabeling, action: ServiceMonitorSpecEndpointsRelabelingsAction.REPLACE }] }],
      },
    });
  }

  let prometheusRule: PrometheusRule | undefined;
  if (options.alerts ?? true) {
    const rules: AlertRule[] = pods.flavour === 'server' ? serverAlerts(job, thresholds) : fluxAlerts(job, thresholds);
    prometheusRule = new PrometheusRule(scope, 'PrometheusRule', {
      metadata: metadata(pods.name),
      spec: {
        groups: [{
          name: job,
          rules: rules.map((r) => ({
            alert: r.alert,
            expr: PrometheusRuleSpecGroupsRulesExpr.fromString(r.expr),
            for: r.for,
            labels: { ...options.alertLabels, ...r.labels, job },
            annotations: { ...r.annotations },
          })),
        }],
      },
    });
  }

  let dashboard: k8s.KubeConfigMap | undefined;
  if (options.dashboard ?? true) {
    const namespace = options.dashboardNamespace ?? pods.namespace;
    assertNamespaceName(`${what}.dashboardNamespace`, namespace);
    const panels = pods.flavour === 'server' ? serverPanels(job, pods.memoryLimitBytes) : fluxPanels(job);
    const title = pods.flavour === 'server' ? `Flux webhook receiver ${job}` : `Flux receivers (notification-controller ${job})`;
    dashboard = new k8s.KubeConfigMap(scope, 'Dashboard', {
      metadata: metadata(`${pods.name}-dashboard`, { ...(options.dashboardLabels ?? { grafana_dashboard: '1' }) }, namespace),
      data: { [`${pods.name}.json`]: JSON.stringify(grafanaDashboard(title, job, panels), undefined, 2) },
    });
  }
  return { monitor, metricsService, prometheusRule, dashboard };
}

function wholeMinutes(what: string, d: Duration): number {
  if (!(d instanceof Duration)) throw new Error(`${what} ${JSON.stringify(d)} is not a Duration: use e.g. Duration.minutes(15)`);
  const seconds = d.toSeconds();
  if (!Number.isInteger(seconds / 60) || seconds < 60) {
    throw new Error(`${what} ${seconds}s is not a whole number of minutes of at least one: use e.g. Duration.minutes(15)`);
  }
  return seconds;
}

function ratio(what: string, value: number): number {
  if (typeof value !== 'number' || !(value > 0 && value < 1)) {
    throw new Error(`${what} ${JSON.stringify(value)} is not a share between 0 and 1 (exclusive): use e.g. 0.9 for 90%`);
  }
  return value;
}
