import { ApiObject, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { Receiver as ReceiverL1 } from './imports/notification.toolkit.fluxcd.io';
import { FLUX_CONTROLLER_POD_LABELS, FLUX_RECEIVER_SERVICE_NAME, FLUX_RECEIVER_SERVICE_PORT, isExtensionReceiverType, WEBHOOK_PORT } from './model';
import { MonitoringOptions } from './monitoring';
import { allowedTargetNamespaces, assertTargetNamespaces } from './private/cross-namespace-targets';
import { addMonitoring } from './private/monitoring-objects';
import { checkObjectsAtSynth } from './private/object-names';
import { ReceiverSet } from './private/receiver-set';
import { assertNamespaceName, assertStructKeys, structKeys } from './private/validation';
import { fluxVerificationKeysError } from './private/verification-keys-prop';
import { ReceiverDefinition, ReceiverOptions } from './receiver-definition';
import { ReceiverProvider } from './receiver-provider';
import { IWebhookReceiver } from './webhook-receiver-ref';

/** Props of `FluxReceivers`. */
export interface FluxReceiversProps {
  /**
   * Namespace of the Receivers and of their Secrets; also where Flux's notification-controller
   * and its `webhook-receiver` Service run when exposing this construct.
   *
   * @default - the chart's namespace, else 'flux-system'
   */
  readonly namespace?: string;
  /**
   * Namespaces other than this one whose objects the receivers may reconcile. A target in
   * another namespace is refused at synth time unless its namespace is listed here, because
   * notification-controller running with `--no-cross-namespace-refs` (Flux's multi-tenancy
   * lockdown) refuses it at every delivery; list a namespace only where the controller runs
   * without that flag.
   *
   * @example ['flux-system']
   * @default - none: every target must be in this namespace
   */
  readonly crossNamespaceTargets?: string[];
  /**
   * Scraping, a Grafana dashboard and alerting rules for notification-controller's receiver
   * endpoint, from the metrics it has: HTTP requests by status code, latency, requests in flight
   * and memory. It counts no deliveries per receiver, PATCHes, coalescing, rate limits, duplicates,
   * verification keys or receiver readiness, so those panels and alerts exist only for
   * `WebhookReceiver`, and the thresholds for them are refused here.
   *
   * @default - no monitoring objects
   */
  readonly monitoring?: MonitoringOptions;
}

const FLUX_RECEIVERS_PROPS_KEYS = structKeys<FluxReceiversProps>()({ namespace: true, crossNamespaceTargets: true, monitoring: true });

/**
 * The alternative backend: deploys nothing and emits Flux `notification.toolkit.fluxcd.io/v1`
 * Receiver objects for the notification-controller already running in the cluster, from the
 * same receiver definitions `WebhookReceiver` takes.
 *
 * It is also an `IWebhookReceiver` for Flux's `webhook-receiver` Service (selector
 * `app: notification-controller`, port 80 → 9292), so the same exposures work. Flux grants its
 * own controller access to every Flux kind, so no RBAC is emitted. Flux writes each Receiver's
 * path to `.status.webhookPath`: `kubectl -n <ns> get receiver <name> -o jsonpath='{.status.webhookPath}'`.
 */
export class FluxReceivers extends Construct implements IWebhookReceiver {
  public readonly namespace: string;
  public readonly serviceName = FLUX_RECEIVER_SERVICE_NAME;
  public readonly servicePort = FLUX_RECEIVER_SERVICE_PORT;
  public readonly webhookPort = WEBHOOK_PORT;

  /** The PodMonitor or ServiceMonitor of notification-controller, when `monitoring` is set. */
  public readonly monitor?: ApiObject;
  /** The Service of notification-controller's metrics port a ServiceMonitor selects. */
  public readonly metricsService?: ApiObject;
  /** The alerting rules, when `monitoring` is set and its alerts are on. */
  public readonly prometheusRule?: ApiObject;
  /** The Grafana dashboard ConfigMap, when `monitoring` is set and its dashboard is on. */
  public readonly dashboard?: ApiObject;

  private readonly receiverSet: ReceiverSet;
  private readonly objects: ApiObject[] = [];
  private readonly crossNamespaceTargets: ReadonlySet<string>;

  public constructor(scope: Construct, id: string, props: FluxReceiversProps = {}) {
    super(scope, id);
    assertStructKeys(`FluxReceivers ${this.node.path}: props`, props, FLUX_RECEIVERS_PROPS_KEYS);
    this.namespace = props.namespace ?? Chart.of(this).namespace ?? 'flux-system';
    assertNamespaceName('FluxReceivers namespace', this.namespace);
    this.receiverSet = new ReceiverSet(`FluxReceivers ${this.node.path}`, this.namespace);
    this.crossNamespaceTargets = allowedTargetNamespaces(`FluxReceivers ${this.node.path}`, props.crossNamespaceTargets, this.namespace, false);
    checkObjectsAtSynth(this);
    if (props.monitoring !== undefined) {
      const m = addMonitoring(this, {
        what: `FluxReceivers ${this.node.path}`,
        namespace: this.namespace,
        name: 'notification-controller',
        selector: FLUX_CONTROLLER_POD_LABELS,
        metadata: (extra = {}) => extra,
        flavour: 'flux',
      }, props.monitoring);
      this.monitor = m.monitor;
      this.metricsService = m.metricsService;
      this.prometheusRule = m.prometheusRule;
      this.dashboard = m.dashboard;
    }
  }

  /** Selects notification-controller's pods. */
  public get podSelectorLabels(): { [key: string]: string } {
    return { ...FLUX_CONTROLLER_POD_LABELS };
  }

  /** The receivers added so far. */
  public get receivers(): ReceiverDefinition[] {
    return this.receiverSet.all();
  }

  /** The emitted Receiver objects (generated L1s), one per receiver. */
  public get receiverObjects(): ApiObject[] {
    return [...this.objects];
  }

  /** Adds a Flux Receiver named `name` in this namespace; its child construct id is `name`. */
  public addReceiver(name: string, options: ReceiverOptions): ReceiverDefinition {
    if (options.verificationKeys !== undefined) throw new Error(fluxVerificationKeysError(`FluxReceivers ${this.node.path}: receiver ${JSON.stringify(name)}`, options.verificationKeys));
    if (options.rateLimit !== undefined) {
      throw new Error(`FluxReceivers ${this.node.path}: receiver ${JSON.stringify(name)} rateLimit ${JSON.stringify(options.rateLimit?.value)} is an extension of the bundled server; notification-controller has no rate limit: remove rateLimit, or serve the receiver with WebhookReceiver`);
    }
    assertFluxReceiverType(`FluxReceivers ${this.node.path}`, name, options?.provider);
    const definition = this.receiverSet.add(name, options);
    assertTargetNamespaces(`FluxReceivers ${this.node.path}`, definition, this.namespace, this.crossNamespaceTargets,
      () => 'notification-controller refuses it when it runs with --no-cross-namespace-refs (Flux\'s multi-tenancy lockdown), and every delivery then fails with 500');
    this.objects.push(new ReceiverL1(this, name, definition._toReceiverProps()));
    return definition;
  }
}

/**
 * FluxReceivers emits Receiver objects for notification-controller, whose CRD lists only Flux's
 * types: an extension type (gitea, azure-devops, standard-webhooks) would be refused by the API
 * server at apply time, so it is refused here, when the app is synthesized.
 */
function assertFluxReceiverType(owner: string, name: string, provider: unknown): void {
  if (!(provider instanceof ReceiverProvider) || !isExtensionReceiverType(provider.type)) return;
  throw new Error(`${owner}: receiver ${JSON.stringify(name)} provider type ${JSON.stringify(provider.type)} is an extension of the bundled receiver server, `
    + 'not a Flux Receiver type, so notification-controller cannot serve it (its Receiver CRD would refuse the object): '
    + `add this receiver to a WebhookReceiver instead${provider.type === 'gitea' ? ', or use ReceiverProvider.github(), which Gitea and Forgejo also speak' : ''}`);
}
