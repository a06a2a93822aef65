import { Duration } from 'cdk8s';

/** How Prometheus (the Prometheus operator) finds the pods to scrape. */
export enum ScrapeKind {
  /** A `PodMonitor` on the pods' `http-prom` port, as Flux's own monitoring example does. */
  POD_MONITOR = 'PodMonitor',
  /** A `ServiceMonitor`, with a Service of the metrics port for it to select. */
  SERVICE_MONITOR = 'ServiceMonitor',
}

/**
 * Scraping, a Grafana dashboard and alerting rules for the Prometheus operator
 * (kube-prometheus-stack). Every threshold has a default; `docs/monitoring.md` lists each alert
 * and what to do when it fires.
 */
export interface MonitoringOptions {
  /**
   * The monitor object Prometheus selects.
   *
   * @default ScrapeKind.POD_MONITOR
   */
  readonly scrape?: ScrapeKind;
  /**
   * Labels of the monitor and the `PrometheusRule`: the ones your Prometheus selects on
   * (kube-prometheus-stack selects `release: <its Helm release name>` unless its
   * `*SelectorNilUsesHelmValues` values are false).
   *
   * @default { release: 'kube-prometheus-stack' }
   */
  readonly prometheusLabels?: { [key: string]: string };
  /**
   * Emit the `PrometheusRule` with the alerts.
   *
   * @default true
   */
  readonly alerts?: boolean;
  /**
   * Emit the Grafana dashboard as a ConfigMap for Grafana's dashboard sidecar.
   *
   * @default true
   */
  readonly dashboard?: boolean;
  /**
   * Labels of the dashboard ConfigMap: the label Grafana's sidecar watches for.
   *
   * @default { grafana_dashboard: '1' }
   */
  readonly dashboardLabels?: { [key: string]: string };
  /**
   * Namespace of the dashboard ConfigMap. kube-prometheus-stack's sidecar reads only Grafana's own
   * namespace unless `sidecar.dashboards.searchNamespace` says otherwise.
   *
   * @default - the receiver's namespace
   */
  readonly dashboardNamespace?: string;
  /**
   * Labels added to every alert (routing in Alertmanager); each alert also has a `severity`.
   *
   * @default - none
   */
  readonly alertLabels?: { [key: string]: string };
  /**
   * How long a receiver may refuse every delivery (bad signature or token, not ready, rate
   * limited, failed filter or target) before `FluxWebhookReceiverRefusingDeliveries` fires.
   *
   * @default Duration.minutes(15)
   */
  readonly refusedFor?: Duration;
  /**
   * Share of the reconcile PATCHes in 10 minutes that may fail before
   * `FluxWebhookReceiverPatchErrors` fires (0 to 1).
   *
   * @default 0.05
   */
  readonly patchErrorRatio?: number;
  /**
   * How long a server may report receivers not ready before `FluxWebhookReceiverNotReady` fires.
   *
   * @default Duration.minutes(10)
   */
  readonly notReadyFor?: Duration;
  /**
   * How long two verification keys of one receiver may both verify deliveries (a token rotation
   * in progress) before `FluxWebhookReceiverOldVerificationKeyInUse` fires.
   *
   * @default Duration.days(1)
   */
  readonly verificationKeyOverlap?: Duration;
  /**
   * Share of the container's memory limit a pod's resident memory may reach for 5 minutes before
   * `FluxWebhookReceiverMemoryNearLimit` fires (0 to 1). There is no such alert without a memory
   * limit.
   *
   * @default 0.9
   */
  readonly memoryLimitRatio?: number;
}
