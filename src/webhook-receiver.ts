import { createHash } from 'crypto';
import { readFileSync } from 'fs';
import { join } from 'path';
import { ApiObject, ApiObjectMetadata, Chart, Duration, Lazy, Size, Yaml } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import k8s = kplus.k8s;
import { Autoscaling } from './autoscaling';
import { Receiver as ReceiverL1 } from './imports/notification.toolkit.fluxcd.io';
import {
  DEFAULT_IMAGE_REPOSITORY, FLUX_CONTROLLER_POD_LABELS, FLUX_RECEIVER_SERVICE_NAME, FLUX_RECEIVER_SERVICE_PORT,
  HEALTH_PORT, HEALTH_PORT_NAME, IMAGE_USER_ID, METRICS_PORT, METRICS_PORT_NAME,
  RECEIVER_API_VERSION, RECEIVERS_MOUNT_PATH, SECRETS_MOUNT_PATH, SERVER_FLAGS, WEBHOOK_PORT, WEBHOOK_PORT_NAME,
} from './model';
import { MonitoringOptions } from './monitoring';
import { allowedTargetNamespaces, assertTargetNamespaces } from './private/cross-namespace-targets';
import { fluxDuration } from './private/flux-duration';
import { addMonitoring } from './private/monitoring-objects';
import { assertNotFluxObject, checkObjectsAtSynth } from './private/object-names';
import { ReceiverSet } from './private/receiver-set';
import { assertNamespaceName, assertObjectName, assertStructKeys, structKeys } from './private/validation';
import { RateLimit } from './rate-limit';
import { ReceiverDefinition, ReceiverOptions } from './receiver-definition';
import { ReceiverMode } from './receiver-mode';
import { IWebhookReceiver } from './webhook-receiver-ref';

/** Props of `WebhookReceiver`. */
export interface WebhookReceiverProps {
  /**
   * Namespace of the server, its Service and its receivers (the receivers' Secrets must be
   * here too). It is part of every webhook path.
   *
   * @default - the chart's namespace, else 'flux-system'
   */
  readonly namespace?: string;
  /**
   * Name of the ClusterIP Service (port 80 → 9292). Also the `app.kubernetes.io/instance`
   * label that selects the pods, so keep it stable: selectors cannot change in place. The names
   * of Flux's own Services (`webhook-receiver`, `notification-controller`, `source-controller`,
   * `source-watcher`) are refused: applied next to Flux, this Service would take Flux's over.
   *
   * @default 'flux-webhook-receiver'
   */
  readonly serviceName?: string;
  /**
   * Container image of the receiver server.
   *
   * @default - `ghcr.io/cdk8s-flux-webhooks/receiver:v<version of this package>`
   */
  readonly image?: string;
  /**
   * Number of server pods. With 2 or more a PodDisruptionBudget keeps one available.
   *
   * @default 2
   */
  readonly replicas?: number;
  /**
   * CPU and memory of the server container.
   *
   * @default - requests 50m CPU / 128Mi memory (above the server's idle RSS, see docs/benchmarks.md), limits 1 CPU / 384Mi memory (above its peak under floods of 3 MiB uploads and signed 3 MiB deliveries, see docs/reliability.md)
   */
  readonly resources?: kplus.ContainerResources;
  /**
   * Create a NetworkPolicy that lets pods of any namespace reach the webhook port (like Flux's
   * `allow-webhooks`) and the monitoring namespaces reach the metrics port. Everything else
   * inbound is denied once the policy selects the pods.
   *
   * @default true
   */
  readonly networkPolicy?: boolean;
  /**
   * Labels of the namespaces allowed to scrape the metrics port, when `networkPolicy` is on.
   *
   * @example { 'kubernetes.io/metadata.name': 'monitoring' }
   * @default - any namespace (like Flux's `allow-scraping`)
   */
  readonly metricsNamespaceLabels?: { [key: string]: string };
  /**
   * Refuse targets in other namespaces (`--no-cross-namespace-refs`, as on multi-tenant Flux).
   * Checked here at synth time, and by the server.
   *
   * @default false
   */
  readonly noCrossNamespaceRefs?: boolean;
  /**
   * Namespaces other than this one whose objects the receivers may reconcile. Each gets a Role
   * and a RoleBinding for the server, so applying the app needs the right to create RBAC there;
   * a target in a namespace not listed is refused at synth time (instead of a `Forbidden` at
   * apply time for a deployer limited to this namespace).
   *
   * @example ['flux-system']
   * @default - none: every target must be in this namespace
   */
  readonly crossNamespaceTargets?: string[];
  /**
   * Redelivery window (an extension; Flux patches for every copy): a copy of a verified delivery
   * (same sender delivery id — GitHub `X-GitHub-Delivery`, GitLab `Idempotency-Key` /
   * `X-Gitlab-Event-UUID`, Bitbucket Cloud `X-Request-UUID` — and same body) arriving this long
   * after a copy that succeeded is answered 200 without a new patch (e.g. `Duration.minutes(5)`).
   * At most 24 hours; the server remembers at most 10,000 deliveries.
   *
   * @default - off (the server's default), as in Flux
   */
  readonly duplicateWindow?: Duration;
  /**
   * Where the server reads its receivers from. `ReceiverMode.cluster()` emits them as Flux
   * `Receiver` objects (so `kubectl get receiver` shows Ready and the webhook path), runs the
   * server with `--watch-receivers`, mounts nothing, and grants get/list/watch on Receivers,
   * patch on `receivers/status` and get on exactly the receivers' Secrets, in this namespace.
   * At most one cluster-mode WebhookReceiver per namespace (checked at synth time).
   *
   * @default ReceiverMode.files()
   */
  readonly mode?: ReceiverMode;
  /**
   * Default limit of verified deliveries per receiver (`--rate-limit`, an extension: Flux has
   * none). Over it the sender gets 429 with `Retry-After`; a receiver's own `rateLimit` wins.
   *
   * @default - 20 per second, burst 200 (the server's default)
   */
  readonly rateLimit?: RateLimit;
  /**
   * The same for `generic` receivers (`--generic-rate-limit`), which have no signature: their
   * URL is the only secret.
   *
   * @default - 2 per second, burst 20 (the server's default)
   */
  readonly genericRateLimit?: RateLimit;
  /**
   * Answer every delivery with a short JSON report (receiver, outcome, each target and its
   * result, the check that failed; never a secret) instead of Flux's empty body
   * (`--json-answers`). Without it, only senders that send `Accept: application/json` get one.
   *
   * @default false
   */
  readonly jsonAnswers?: boolean;
  /**
   * Extension (not in Flux): record a Kubernetes Event (`ReconcileRequested`, naming the
   * receiver) on each target a delivery asks to reconcile (`--record-events`), aggregated and
   * rate-limited like client-go's recorder. Grants create and patch on `events` in each target
   * namespace.
   *
   * @default false
   */
  readonly recordEvents?: boolean;
  /**
   * Scraping, a Grafana dashboard and alerting rules for the Prometheus operator
   * (kube-prometheus-stack): a PodMonitor (or ServiceMonitor), a PrometheusRule and a dashboard
   * ConfigMap for Grafana's sidecar. `{}` turns it all on with the defaults.
   *
   * @default - no monitoring objects
   */
  readonly monitoring?: MonitoringOptions;
  /**
   * A HorizontalPodAutoscaler on CPU between `replicas` and `maxReplicas` pods; the Deployment then
   * leaves its replica count to the autoscaler. Rate limits, coalescing and the redelivery window
   * are per pod (README, "Scaling out").
   *
   * @default - a fixed number of pods (`replicas`)
   */
  readonly autoscaling?: Autoscaling;
  /**
   * Extra metadata for every object.
   *
   * @default - only the recommended `app.kubernetes.io/*` labels
   */
  readonly metadata?: ApiObjectMetadata;
}

const AUTOSCALING_KEYS = structKeys<Autoscaling>()({ maxReplicas: true, cpuUtilization: true });

const WEBHOOK_RECEIVER_PROPS_KEYS = structKeys<WebhookReceiverProps>()({
  namespace: true,
  serviceName: true,
  image: true,
  replicas: true,
  resources: true,
  networkPolicy: true,
  metricsNamespaceLabels: true,
  noCrossNamespaceRefs: true,
  crossNamespaceTargets: true,
  duplicateWindow: true,
  mode: true,
  rateLimit: true,
  genericRateLimit: true,
  jsonAnswers: true,
  recordEvents: true,
  monitoring: true,
  autoscaling: true,
  metadata: true,
});

/** Options of `WebhookReceiver.fromFluxNotificationController()`. */
export interface FluxNotificationControllerOptions {
  /**
   * Namespace Flux is installed in.
   *
   * @default 'flux-system'
   */
  readonly namespace?: string;
}

/** The `app.kubernetes.io/name` of the receiver pods. */
const APP_NAME = 'flux-webhook-receiver';
/** Pod template annotation that changes with the receiver definitions, so edits roll out. */
const CHECKSUM_ANNOTATION = 'checksum/receivers';
/** Key of the receivers ConfigMap: every Receiver as one multi-document YAML file. */
const RECEIVERS_FILE = 'receivers.yaml';
const SERVICE_PORT = FLUX_RECEIVER_SERVICE_PORT;
/** Not `webhook-receiver`: that is Flux's own Service, in flux-system where this usually runs. */
const DEFAULT_SERVICE_NAME = 'flux-webhook-receiver';

/**
 * Deploys the bundled Flux-compatible webhook receiver server with the receivers you add:
 * a ServiceAccount with least-privilege RBAC, a ConfigMap of Flux Receiver definitions, a
 * hardened Deployment (Pod Security "restricted"), a PodDisruptionBudget, the
 * `flux-webhook-receiver` Service (80 → 9292) and an allow-webhooks NetworkPolicy. No default
 * name is one of Flux's, so it is safe to deploy into `flux-system` next to Flux.
 *
 * RBAC: for every namespace that holds targets, a Role and a RoleBinding grant get/list/watch
 * on exactly the target kinds there, and patch on exactly the named targets (on the whole kind
 * when a target selects by labels). Flux has no namespace wildcard, so no ClusterRole is ever
 * needed or created. Nothing is granted on Secrets: they are mounted as files. In cluster mode
 * (`mode: ReceiverMode.cluster()`) the receivers are Flux `Receiver` objects instead of a
 * ConfigMap, and the Role of this namespace also grants get/list/watch on Receivers, patch on
 * `receivers/status` and get on the receivers' Secrets by name; nothing is mounted.
 *
 * Getting the webhook URL: the path is `/hook/sha256(token + name + namespace)` and the token
 * is not in the app. Run the command in `ReceiverDefinition.webhookPathCommand` where kubectl
 * can read the Secret; the server never logs paths.
 */
export class WebhookReceiver extends Construct implements IWebhookReceiver {
  /**
   * Flux notification-controller's own `webhook-receiver` Service (selector
   * `app: notification-controller`, port 80 → 9292), so exposures work with the Flux backend.
   */
  public static fromFluxNotificationController(scope: Construct, id: string, options: FluxNotificationControllerOptions = {}): IWebhookReceiver {
    return new FluxWebhookReceiverRef(scope, id, options.namespace ?? 'flux-system');
  }

  public readonly namespace: string;
  public readonly serviceName: string;
  public readonly servicePort: number = SERVICE_PORT;
  public readonly webhookPort: number = WEBHOOK_PORT;
  /** The container image. */
  public readonly image: string;
  /** Number of server pods. */
  public readonly replicas: number;
  /** The ServiceAccount of the server pods. */
  public readonly serviceAccount: k8s.KubeServiceAccount;
  /** Where the server reads its receivers from. */
  public readonly mode: ReceiverMode;
  /** The ConfigMap with the receiver definitions; undefined in cluster mode. */
  public readonly configMap?: k8s.KubeConfigMap;
  /** The server Deployment (the default child). */
  public readonly deployment: k8s.KubeDeployment;
  /** The ClusterIP Service in front of the server. */
  public readonly service: k8s.KubeService;
  /** The PodDisruptionBudget; undefined with fewer than 2 replicas. */
  public readonly podDisruptionBudget?: k8s.KubePodDisruptionBudget;
  /** The allow-webhooks NetworkPolicy; undefined when `networkPolicy` is false. */
  public readonly networkPolicy?: k8s.KubeNetworkPolicy;
  /** The PodMonitor or ServiceMonitor, when `monitoring` is set. */
  public readonly monitor?: ApiObject;
  /** The Service of the metrics port a ServiceMonitor selects. */
  public readonly metricsService?: k8s.KubeService;
  /** The alerting rules, when `monitoring` is set and its alerts are on. */
  public readonly prometheusRule?: ApiObject;
  /** The Grafana dashboard ConfigMap, when `monitoring` is set and its dashboard is on. */
  public readonly dashboard?: k8s.KubeConfigMap;
  /** The HorizontalPodAutoscaler, when `autoscaling` is set. */
  public readonly autoscaler?: k8s.KubeHorizontalPodAutoscalerV2;

  private readonly receiverSet: ReceiverSet;
  private readonly selector: { [key: string]: string };
  private readonly labels: { [key: string]: string };
  private readonly rbac = new Map<string, { role: k8s.KubeRole; binding: k8s.KubeRoleBinding }>();
  private readonly noCrossNamespaceRefs: boolean;
  private readonly crossNamespaceTargets: ReadonlySet<string>;
  private readonly recordEvents: boolean;
  private readonly extraMetadata?: ApiObjectMetadata;
  private readonly clusterMode: boolean;
  private readonly objects: ApiObject[] = [];
  /** Extension flags (rate limits, JSON answers), only when set: unset keeps the server's defaults. */
  private readonly extensionArgs: string[] = [];
  /** Set when an autoscaler owns the replica count: the Deployment then names none (an apply would reset it). */
  private deploymentReplicasManaged = false;

  public constructor(scope: Construct, id: string, props: WebhookReceiverProps = {}) {
    super(scope, id);
    assertStructKeys(`WebhookReceiver ${this.node.path}: props`, props, WEBHOOK_RECEIVER_PROPS_KEYS);
    this.namespace = props.namespace ?? Chart.of(this).namespace ?? 'flux-system';
    assertNamespaceName('WebhookReceiver namespace', this.namespace);
    this.serviceName = props.serviceName ?? DEFAULT_SERVICE_NAME;
    assertObjectName('WebhookReceiver serviceName', this.serviceName);
    assertNotFluxObject(this, 'serviceName', 'Service', this.serviceName);
    if (this.serviceName.length > 63) {
      throw new Error(`WebhookReceiver serviceName ${JSON.stringify(this.serviceName)} is longer than 63 characters: Service names are DNS labels`);
    }
    this.replicas = props.replicas ?? 2;
    if (!Number.isInteger(this.replicas) || this.replicas < 1) {
      throw new Error(`WebhookReceiver replicas ${JSON.stringify(props.replicas)} must be a whole number of at least 1: use 2 or more for availability`);
    }
    const version = packageVersion();
    this.image = props.image ?? `${DEFAULT_IMAGE_REPOSITORY}:v${version}`;
    if (this.image.trim() === '') throw new Error('WebhookReceiver image "" is empty: omit it for the default image');
    this.noCrossNamespaceRefs = props.noCrossNamespaceRefs ?? false;
    this.crossNamespaceTargets = allowedTargetNamespaces(`WebhookReceiver ${this.node.path}`, props.crossNamespaceTargets, this.namespace, this.noCrossNamespaceRefs);
    this.recordEvents = props.recordEvents ?? false;
    this.extraMetadata = props.metadata;
    this.mode = props.mode ?? ReceiverMode.files();
    if (!(this.mode instanceof ReceiverMode) || !['files', 'cluster'].includes(this.mode.kind)) {
      throw new Error(`WebhookReceiver ${this.node.path}: mode ${JSON.stringify(props.mode)} is not a receiver mode: use ReceiverMode.files() or ReceiverMode.cluster()`);
    }
    this.clusterMode = this.mode.kind === 'cluster';
    if (props.rateLimit !== undefined) this.extensionArgs.push(SERVER_FLAGS.rateLimit.flag, this.rateLimitText('rateLimit', props.rateLimit));
    if (props.genericRateLimit !== undefined) this.extensionArgs.push(SERVER_FLAGS.genericRateLimit.flag, this.rateLimitText('genericRateLimit', props.genericRateLimit));
    if (props.jsonAnswers) this.extensionArgs.push(SERVER_FLAGS.jsonAnswers.flag);
    if (props.duplicateWindow !== undefined) {
      this.extensionArgs.push(SERVER_FLAGS.duplicateWindow.flag, duplicateWindowFlag(`WebhookReceiver ${this.node.path}`, props.duplicateWindow));
    }
    this.receiverSet = new ReceiverSet(`WebhookReceiver ${this.node.path}`, this.namespace);
    checkObjectsAtSynth(this);

    this.selector = { 'app.kubernetes.io/name': APP_NAME, 'app.kubernetes.io/instance': this.serviceName };
    this.labels = {
      ...this.selector,
      'app.kubernetes.io/component': 'webhook-receiver',
      'app.kubernetes.io/part-of': 'flux',
      'app.kubernetes.io/managed-by': 'cdk8s',
      'app.kubernetes.io/version': version,
    };

    this.deployment = new k8s.KubeDeployment(this, 'Resource', {
      metadata: this.metadata(),
      spec: Lazy.any({ produce: () => this.deploymentSpec(props.resources) }),
    });
    this.serviceAccount = new k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata: this.metadata() });
    if (!this.clusterMode) {
      this.configMap = new k8s.KubeConfigMap(this, 'Receivers', {
        metadata: this.metadata(),
        data: Lazy.any({ produce: () => ({ [RECEIVERS_FILE]: this.receiversYaml() }) }),
      });
    } else {
      // The server watches Receivers and reads their Secrets in its own namespace.
      this.ensureRbac(this.namespace);
      this.node.addValidation({ validate: () => this.validateClusterMode() });
    }
    this.service = new k8s.KubeService(this, 'Service', {
      metadata: this.metadata({ name: this.serviceName }),
      spec: {
        type: 'ClusterIP',
        selector: { ...this.selector },
        ports: [{ name: 'http', port: SERVICE_PORT, protocol: 'TCP', targetPort: k8s.IntOrString.fromString(WEBHOOK_PORT_NAME) }],
      },
    });
    if (this.replicas >= 2) {
      this.podDisruptionBudget = new k8s.KubePodDisruptionBudget(this, 'DisruptionBudget', {
        metadata: this.metadata(),
        spec: { minAvailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: { ...this.selector } } },
      });
    }
    if (props.networkPolicy ?? true) {
      this.networkPolicy = new k8s.KubeNetworkPolicy(this, 'AllowWebhooks', {
        metadata: this.metadata(),
        spec: {
          podSelector: { matchLabels: { ...this.selector } },
          policyTypes: ['Ingress'],
          ingress: [
            { from: [{ namespaceSelector: {} }], ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(WEBHOOK_PORT) }] },
            {
              from: [{ namespaceSelector: props.metricsNamespaceLabels ? { matchLabels: { ...props.metricsNamespaceLabels } } : {} }],
              ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(METRICS_PORT) }],
            },
          ],
        },
      });
    }
    if (props.autoscaling !== undefined) this.autoscaler = this.addAutoscaler(props.autoscaling, props.resources);
    if (props.monitoring !== undefined) {
      const m = addMonitoring(this, {
        what: `WebhookReceiver ${this.node.path}`,
        namespace: this.namespace,
        name: this.serviceName,
        selector: this.selector,
        metadata: (extra) => this.metadata(extra),
        flavour: 'server',
        memoryLimitBytes: memoryLimitBytes(props.resources),
      }, props.monitoring);
      this.monitor = m.monitor;
      this.metricsService = m.metricsService;
      this.prometheusRule = m.prometheusRule;
      this.dashboard = m.dashboard;
    }
  }

  /** Labels that select the server pods: `app.kubernetes.io/name` and `app.kubernetes.io/instance`. */
  public get podSelectorLabels(): { [key: string]: string } {
    return { ...this.selector };
  }

  /** The receivers added so far. */
  public get receivers(): ReceiverDefinition[] {
    return this.receiverSet.all();
  }

  /** The Flux `Receiver` objects emitted in cluster mode, one per receiver; empty in files mode. */
  public get receiverObjects(): ApiObject[] {
    return [...this.objects];
  }

  /** The Roles, one per namespace that holds targets (and, in cluster mode, one in this namespace). */
  public get roles(): k8s.KubeRole[] {
    return [...this.rbac.values()].map((r) => r.role);
  }

  /** The RoleBindings, one per Role. */
  public get roleBindings(): k8s.KubeRoleBinding[] {
    return [...this.rbac.values()].map((r) => r.binding);
  }

  /**
   * Adds a Flux Receiver named `name` in this namespace, served by the server, and grants the
   * server the access its targets need.
   */
  public addReceiver(name: string, options: ReceiverOptions): ReceiverDefinition {
    if (options.rateLimit !== undefined) this.rateLimitText(`receiver ${JSON.stringify(name)} rateLimit`, options.rateLimit);
    const definition = this.receiverSet.add(name, options);
    for (const target of definition.targets) {
      const ns = target.namespace ?? this.namespace;
      if (this.noCrossNamespaceRefs && ns !== this.namespace) {
        throw new Error(`receiver ${JSON.stringify(name)}: target ${target.kind} ${JSON.stringify(target.name)} is in namespace ${JSON.stringify(ns)}, but noCrossNamespaceRefs allows only ${JSON.stringify(this.namespace)}: move the target or add a receiver in its namespace`);
      }
    }
    assertTargetNamespaces(`WebhookReceiver ${this.node.path}`, definition, this.namespace, this.crossNamespaceTargets,
      (ns) => `serving it needs a Role and RoleBinding for this server in ${JSON.stringify(ns)}, which applying the app would create there (a deployer limited to ${JSON.stringify(this.namespace)} gets Forbidden)`);
    for (const target of definition.targets) this.ensureRbac(target.namespace ?? this.namespace);
    // Rendered exactly like FluxReceivers' objects.
    if (this.clusterMode) this.objects.push(new ReceiverL1(this, `Receiver-${name}`, definition._toReceiverProps()));
    return definition;
  }

  /** Checks a rate limit at synth time, naming this construct's path and the field. */
  private rateLimitText(field: string, limit: RateLimit): string {
    const what = `WebhookReceiver ${this.node.path}: ${field}`;
    if (!(limit instanceof RateLimit)) throw new Error(`${what} ${JSON.stringify(limit)} is not a RateLimit: use e.g. RateLimit.perSecond(20, 200)`);
    return limit._render(what);
  }

  private addAutoscaler(autoscaling: Autoscaling, resources: kplus.ContainerResources | undefined): k8s.KubeHorizontalPodAutoscalerV2 {
    const what = `WebhookReceiver ${this.node.path}: autoscaling`;
    assertStructKeys(what, autoscaling, AUTOSCALING_KEYS);
    const max = autoscaling.maxReplicas;
    if (!Number.isInteger(max) || max <= this.replicas) {
      throw new Error(`${what}.maxReplicas ${JSON.stringify(max)} must be a whole number above replicas (${this.replicas}), the autoscaler's minimum: e.g. ${this.replicas * 3}`);
    }
    const cpu = autoscaling.cpuUtilization ?? 75;
    if (!Number.isInteger(cpu) || cpu < 1 || cpu > 100) {
      throw new Error(`${what}.cpuUtilization ${JSON.stringify(cpu)} must be a whole percentage of the CPU request from 1 to 100: e.g. 75`);
    }
    if (resources?.cpu && resources.cpu.request === undefined) {
      throw new Error(`${what} needs a CPU request to measure utilization against: set resources.cpu.request (e.g. kplus.Cpu.millis(50))`);
    }
    this.deploymentReplicasManaged = true;
    return new k8s.KubeHorizontalPodAutoscalerV2(this, 'Autoscaler', {
      metadata: this.metadata(),
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: this.deployment.name },
        minReplicas: this.replicas,
        maxReplicas: max,
        metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: cpu } } }],
      },
    });
  }

  private metadata(extra: ApiObjectMetadata = {}): ApiObjectMetadata {
    return {
      ...this.extraMetadata,
      ...extra,
      namespace: extra.namespace ?? this.namespace,
      labels: { ...this.extraMetadata?.labels, ...this.labels, ...extra.labels },
    };
  }

  private ensureRbac(ns: string): void {
    if (this.rbac.has(ns)) return;
    const role = new k8s.KubeRole(this, `Role-${ns}`, {
      metadata: this.metadata({ namespace: ns }),
      rules: Lazy.any({ produce: () => this.rulesFor(ns) }),
    });
    const binding = new k8s.KubeRoleBinding(this, `RoleBinding-${ns}`, {
      metadata: this.metadata({ namespace: ns }),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role.name },
      subjects: [{ kind: 'ServiceAccount', name: this.serviceAccount.name, namespace: this.namespace }],
    });
    this.rbac.set(ns, { role, binding });
  }

  /** get/list/watch on each target kind in `ns`; patch on the named targets, or the kind when one selects by labels. */
  private rulesFor(ns: string): k8s.PolicyRule[] {
    const byResource = new Map<string, { group: string; plural: string; names: Set<string>; wildcard: boolean }>();
    for (const definition of this.receiverSet.all()) {
      for (const target of definition.targets) {
        if ((target.namespace ?? this.namespace) !== ns) continue;
        const key = `${target._group}/${target._plural}`;
        const entry = byResource.get(key) ?? { group: target._group, plural: target._plural, names: new Set<string>(), wildcard: false };
        if (target.matchLabels) entry.wildcard = true;
        else entry.names.add(target.name);
        byResource.set(key, entry);
      }
    }
    const rules: k8s.PolicyRule[] = this.clusterMode && ns === this.namespace ? this.clusterModeRules() : [];
    for (const key of [...byResource.keys()].sort()) {
      const { group, plural, names, wildcard } = byResource.get(key)!;
      rules.push({ apiGroups: [group], resources: [plural], verbs: ['get', 'list', 'watch'] });
      rules.push(wildcard
        ? { apiGroups: [group], resources: [plural], verbs: ['patch'] }
        : { apiGroups: [group], resources: [plural], resourceNames: [...names].sort(), verbs: ['patch'] });
    }
    // --record-events: new Events, and count/lastTimestamp patches of aggregated ones.
    if (this.recordEvents && rules.length > 0) rules.push({ apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] });
    return rules;
  }

  /**
   * A cluster-mode server serves every Receiver of its namespace: a second one there would serve
   * the first one's Receivers without their Secrets and overwrite their status.
   */
  private validateClusterMode(): string[] {
    const others = this.node.root.node.findAll()
      .filter((c): c is WebhookReceiver => c instanceof WebhookReceiver && c !== this && c.clusterMode && c.namespace === this.namespace);
    return others.map((o) => `WebhookReceiver ${this.node.path}: mode ReceiverMode.cluster() in namespace ${JSON.stringify(this.namespace)} is also the mode of WebhookReceiver ${o.node.path} there; each server would serve the other's Receivers and overwrite their status: put one in another namespace, or give it ReceiverMode.files()`);
  }

  /** Cluster mode: read Receivers, write only their status, get only the Secrets they name. */
  private clusterModeRules(): k8s.PolicyRule[] {
    const group = RECEIVER_API_VERSION.split('/')[0];
    const secrets = this.secretNames();
    return [
      { apiGroups: [group], resources: ['receivers'], verbs: ['get', 'list', 'watch'] },
      // The server writes status with a JSON merge patch only, never update.
      { apiGroups: [group], resources: ['receivers/status'], verbs: ['patch'] },
      ...(secrets.length > 0 ? [{ apiGroups: [''], resources: ['secrets'], resourceNames: secrets, verbs: ['get'] }] : []),
    ];
  }

  private receiversYaml(): string {
    return Yaml.stringify(...this.receiverSet.all().map((r) => r._toManifest()));
  }

  private secretNames(): string[] {
    return [...new Set(this.receiverSet.all().flatMap((r) => (r.secretName ? [r.secretName] : [])))].sort();
  }

  private deploymentSpec(resources: kplus.ContainerResources | undefined): k8s.DeploymentSpec {
    const secrets = this.secretNames();
    const flag = (f: { flag: string; default: string }, value = f.default) => [f.flag, value];
    // Boolean flags take no value: the server reads a following word as the next flag.
    const on = (f: { flag: string }) => [f.flag];
    const args = [
      'serve',
      ...(this.clusterMode
        ? [...on(SERVER_FLAGS.watchReceivers), ...flag(SERVER_FLAGS.namespace, this.namespace), ...on(SERVER_FLAGS.secretsByName)]
        : [...flag(SERVER_FLAGS.receivers, RECEIVERS_MOUNT_PATH), ...flag(SERVER_FLAGS.secretsDir, SECRETS_MOUNT_PATH)]),
      ...flag(SERVER_FLAGS.listen),
      ...flag(SERVER_FLAGS.metricsListen),
      ...flag(SERVER_FLAGS.healthListen),
      ...(this.noCrossNamespaceRefs ? on(SERVER_FLAGS.noCrossNamespaceRefs) : []),
      ...this.extensionArgs,
      // A boolean flag of the server takes no separate value.
      ...(this.recordEvents ? [SERVER_FLAGS.recordEvents.flag] : []),
    ];
    // Files mode: a new ConfigMap content rolls the pods. Cluster mode: the server follows the watch.
    const annotations = this.clusterMode ? undefined : { [CHECKSUM_ANNOTATION]: createHash('sha256').update(this.receiversYaml()).digest('hex') };
    const mounted = !this.clusterMode;
    const probe = (path: string): k8s.Probe => ({
      httpGet: { path, port: k8s.IntOrString.fromString(HEALTH_PORT_NAME) },
      periodSeconds: 10,
      timeoutSeconds: 2,
      failureThreshold: 3,
    });
    return {
      replicas: this.deploymentReplicasManaged ? undefined : this.replicas,
      selector: { matchLabels: { ...this.selector } },
      template: {
        metadata: { labels: { ...this.labels }, annotations },
        spec: {
          serviceAccountName: this.serviceAccount.name,
          automountServiceAccountToken: true,
          enableServiceLinks: false,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: IMAGE_USER_ID,
            runAsGroup: IMAGE_USER_ID,
            fsGroup: IMAGE_USER_ID,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          topologySpreadConstraints: [{
            maxSkew: 1,
            topologyKey: 'kubernetes.io/hostname',
            whenUnsatisfiable: 'ScheduleAnyway',
            labelSelector: { matchLabels: { ...this.selector } },
          }],
          containers: [{
            name: 'receiver',
            image: this.image,
            imagePullPolicy: 'IfNotPresent',
            args,
            ports: [
              { name: WEBHOOK_PORT_NAME, containerPort: WEBHOOK_PORT, protocol: 'TCP' },
              { name: METRICS_PORT_NAME, containerPort: METRICS_PORT, protocol: 'TCP' },
              { name: HEALTH_PORT_NAME, containerPort: HEALTH_PORT, protocol: 'TCP' },
            ],
            livenessProbe: probe('/healthz'),
            readinessProbe: probe('/readyz'),
            resources: containerResources(resources),
            securityContext: {
              runAsNonRoot: true,
              runAsUser: IMAGE_USER_ID,
              runAsGroup: IMAGE_USER_ID,
              readOnlyRootFilesystem: true,
              allowPrivilegeEscalation: false,
              privileged: false,
              capabilities: { drop: ['ALL'] },
              seccompProfile: { type: 'RuntimeDefault' },
            },
            volumeMounts: [
              { name: 'tmp', mountPath: '/tmp' },
              ...(mounted ? [
                { name: 'receivers', mountPath: RECEIVERS_MOUNT_PATH, readOnly: true },
                ...secrets.map((s, i) => ({ name: `secret-${i}`, mountPath: `${SECRETS_MOUNT_PATH}/${s}`, readOnly: true })),
              ] : []),
            ],
          }],
          volumes: [
            { name: 'tmp', emptyDir: { medium: 'Memory', sizeLimit: k8s.Quantity.fromString('64Mi') } },
            ...(mounted && this.configMap ? [
              { name: 'receivers', configMap: { name: this.configMap.name } },
              // optional: a missing Secret makes only its receivers not ready, not the whole pod.
              ...secrets.map((s, i) => ({ name: `secret-${i}`, secret: { secretName: s, optional: true, defaultMode: 0o440 } })),
            ] : []),
          ],
        },
      },
    };
  }
}

const DEFAULT_MEMORY = { request: Size.mebibytes(128), limit: Size.mebibytes(384) };

function containerResources(resources: kplus.ContainerResources | undefined): k8s.ResourceRequirements {
  const cpu = resources?.cpu ?? { request: kplus.Cpu.millis(50), limit: kplus.Cpu.units(1) };
  const memory = resources?.memory ?? DEFAULT_MEMORY;
  const quantities = (c?: kplus.Cpu, m?: Size) => {
    const out: { [key: string]: k8s.Quantity } = {};
    if (c) out.cpu = k8s.Quantity.fromString(c.amount);
    if (m) out.memory = k8s.Quantity.fromString(`${m.toMebibytes()}Mi`);
    return out;
  };
  return { requests: quantities(cpu.request, memory.request), limits: quantities(cpu.limit, memory.limit) };
}

/** The container's memory limit in bytes as rendered (whole MiB), if it has one. */
function memoryLimitBytes(resources: kplus.ContainerResources | undefined): number | undefined {
  const limit = (resources?.memory ?? DEFAULT_MEMORY).limit;
  return limit === undefined ? undefined : limit.toMebibytes() * 1048576;
}

let cachedPackageVersion: string | undefined;

/**
 * This package's version from its package.json (the default image's tag), read when first
 * needed. The file sits one level above both `src/` (tests) and `lib/` (the compiled package).
 */
function packageVersion(): string {
  if (cachedPackageVersion === undefined) {
    const file = join(__dirname, '..', 'package.json');
    const version = JSON.parse(readFileSync(file, 'utf8')).version;
    if (typeof version !== 'string' || version === '') {
      throw new Error(`${file} has no "version": cannot choose the default receiver image; pass the image prop`);
    }
    cachedPackageVersion = version;
  }
  return cachedPackageVersion;
}

const MAX_DUPLICATE_WINDOW_MS = 24 * 3_600_000;

/** `duplicateWindow` as the server's `--duplicate-window` value (`0` turns the window off); throws naming the construct, the value and the fix. */
function duplicateWindowFlag(what: string, window: Duration): string {
  const ms = window.toMilliseconds({ integral: false });
  if (!Number.isInteger(ms) || ms < 0 || ms > MAX_DUPLICATE_WINDOW_MS) {
    throw new Error(`${what}: duplicateWindow ${ms}ms is not a whole number of milliseconds from 0 to 24 hours: use e.g. Duration.minutes(10), or Duration.seconds(0) to turn it off`);
  }
  return ms === 0 ? '0' : fluxDuration(`${what} duplicateWindow`, window);
}

/** Flux's existing `webhook-receiver` Service in front of notification-controller. */
class FluxWebhookReceiverRef extends Construct implements IWebhookReceiver {
  public readonly serviceName = FLUX_RECEIVER_SERVICE_NAME;
  public readonly servicePort = FLUX_RECEIVER_SERVICE_PORT;
  public readonly webhookPort = WEBHOOK_PORT;
  public readonly podSelectorLabels = { ...FLUX_CONTROLLER_POD_LABELS };

  constructor(scope: Construct, id: string, public readonly namespace: string) {
    super(scope, id);
    assertNamespaceName('Flux namespace', namespace);
  }
}
