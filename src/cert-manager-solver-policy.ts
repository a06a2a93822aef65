import { ApiObjectMetadata } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct, IConstruct } from 'constructs';
import { checkLabels, checkMetadataNamespace, checkNamespaceName, checkPort, checkReceiver } from './private/expose-validation';
import { assertNotFluxObject, checkObjectsAtSynth } from './private/object-names';
import { assertStructKeys, structKeys } from './private/validation';
import { IWebhookReceiver } from './webhook-receiver-ref';

/** Options for a `SolverTrafficSource`. */
export interface SolverTrafficSourceOptions {
  /**
   * Only pods with these labels in the selected namespaces, e.g.
   * `{ 'app.kubernetes.io/name': 'ingress-nginx' }`.
   *
   * @default - every pod in the selected namespaces
   */
  readonly podLabels?: { [key: string]: string };
}

/**
 * Pods allowed to reach cert-manager's HTTP-01 solver: one NetworkPolicy peer.
 *
 * Namespaces are selected by label. A namespace chosen by name uses the
 * `kubernetes.io/metadata.name` label Kubernetes sets on every namespace.
 */
export class SolverTrafficSource {
  /** Label cert-manager's own namespace carries by default in `certManager()`. */
  public static readonly CERT_MANAGER_NAMESPACE_LABELS: { [key: string]: string } = { 'app.kubernetes.io/instance': 'cert-manager' };

  /**
   * cert-manager's namespace, selected by the label `app.kubernetes.io/instance: cert-manager`
   * (label the namespace, or use `namespace('cert-manager')`).
   */
  public static certManager(options: SolverTrafficSourceOptions = {}): SolverTrafficSource {
    return new SolverTrafficSource('certManager()', { ...SolverTrafficSource.CERT_MANAGER_NAMESPACE_LABELS }, options.podLabels);
  }

  /**
   * One namespace, by name: typically the ingress controller's (e.g. `ingress-nginx`), because
   * both the ACME server's and cert-manager's self-check requests reach the solver through it.
   */
  public static namespace(name: string, options: SolverTrafficSourceOptions = {}): SolverTrafficSource {
    return new SolverTrafficSource(`namespace("${name}")`, { 'kubernetes.io/metadata.name': name }, options.podLabels, name);
  }

  /** Every namespace that carries all of `labels`. */
  public static namespacesLabelled(labels: { [key: string]: string }, options: SolverTrafficSourceOptions = {}): SolverTrafficSource {
    return new SolverTrafficSource('namespacesLabelled()', { ...labels }, options.podLabels);
  }

  /**
   * Every namespace (an empty `namespaceSelector`). Narrow it with `podLabels` (e.g. the ingress
   * controller's pod labels), otherwise any pod in the cluster can reach the solver.
   */
  public static allNamespaces(options: SolverTrafficSourceOptions = {}): SolverTrafficSource {
    return new SolverTrafficSource('allNamespaces()', {}, options.podLabels, undefined, true);
  }

  private constructor(
    private readonly description: string,
    private readonly namespaceLabels: { [key: string]: string },
    private readonly podLabels: { [key: string]: string } | undefined,
    private readonly namespaceName?: string,
    private readonly everyNamespace = false,
  ) {}

  /** @internal */
  public _toPeer(scope: IConstruct, field: string): k8s.NetworkPolicyPeer {
    const where = `${field} ${this.description}`;
    if (this.namespaceName !== undefined) checkNamespaceName(scope, where, this.namespaceName);
    if (!this.everyNamespace && Object.keys(this.namespaceLabels).length === 0) {
      // An empty selector selects every namespace: say so explicitly instead of by accident.
      throw new Error(`${scope.node.path}: ${where} has no labels, which would select every namespace; pass labels, or use SolverTrafficSource.allNamespaces() on purpose`);
    }
    checkLabels(scope, `${where} namespace labels`, this.namespaceLabels);
    if (this.podLabels !== undefined) {
      if (Object.keys(this.podLabels).length === 0) {
        throw new Error(`${scope.node.path}: ${where} podLabels is empty; omit podLabels to admit every pod of the namespace`);
      }
      checkLabels(scope, `${where} podLabels`, this.podLabels);
    }
    return {
      namespaceSelector: this.everyNamespace ? {} : { matchLabels: { ...this.namespaceLabels } },
      podSelector: this.podLabels ? { matchLabels: { ...this.podLabels } } : undefined,
    };
  }
}

/**
 * Props for `CertManagerSolverPolicy`.
 */
export interface CertManagerSolverPolicyProps {
  /**
   * The exposed receiver: the policy goes into its namespace, where the Ingress, its Certificate
   * and therefore cert-manager's solver pods live.
   */
  readonly receiver: IWebhookReceiver;

  /**
   * Metadata of the NetworkPolicy. Its namespace is always the receiver's.
   *
   * @default - a generated name in the receiver's namespace
   */
  readonly metadata?: ApiObjectMetadata;

  /**
   * Where cert-manager runs.
   *
   * @default [SolverTrafficSource.certManager()] - namespaces labelled `app.kubernetes.io/instance: cert-manager`
   */
  readonly certManager?: SolverTrafficSource[];

  /**
   * Where the ingress controller (or the Gateway's data plane) runs: at least one. The ACME
   * server's validation request and cert-manager's self-check both reach the solver pod through
   * it, so the challenge can only pass when this admits it, e.g.
   * `[SolverTrafficSource.namespace('ingress-nginx')]`. There is no default: no controller's
   * namespace is common enough to guess, and a guess that misses fails only at issuance time.
   */
  readonly ingressControllers: SolverTrafficSource[];

  /**
   * Port the solver pod listens on.
   *
   * @default 8089
   */
  readonly solverPort?: number;
}

const CERT_MANAGER_SOLVER_POLICY_PROPS_KEYS = structKeys<CertManagerSolverPolicyProps>()({
  receiver: true, metadata: true, certManager: true, ingressControllers: true, solverPort: true,
});

/**
 * A NetworkPolicy that admits HTTP-01 challenge traffic to cert-manager's solver pods
 * (`acme.cert-manager.io/http01-solver: "true"`, port 8089) in the receiver's namespace.
 *
 * Needed when that namespace denies ingress by default, as Flux's policies do in `flux-system`:
 * without it, certificates for the webhook Ingress are never issued.
 *
 * @see https://cert-manager.io/docs/configuration/acme/http01/
 */
export class CertManagerSolverPolicy extends Construct {
  /** Label cert-manager puts on HTTP-01 solver pods. */
  public static readonly SOLVER_POD_LABEL = 'acme.cert-manager.io/http01-solver';
  /** Port cert-manager's HTTP-01 solver listens on. */
  public static readonly SOLVER_PORT = 8089;

  /** The NetworkPolicy (the L1 object, for escape hatches). */
  public readonly apiObject: k8s.KubeNetworkPolicy;
  /** Namespace of the NetworkPolicy (the receiver's). */
  public readonly namespace: string;

  public constructor(scope: Construct, id: string, props: CertManagerSolverPolicyProps) {
    super(scope, id);
    assertStructKeys(`CertManagerSolverPolicy ${this.node.path}: props`, props, CERT_MANAGER_SOLVER_POLICY_PROPS_KEYS);
    checkObjectsAtSynth(this);
    const receiver = props.receiver;
    checkReceiver(this, receiver);
    checkMetadataNamespace(this, props.metadata?.namespace, receiver.namespace, 'the solver pods run in the namespace of the Ingress, which is the receiver\'s');
    const port = props.solverPort ?? CertManagerSolverPolicy.SOLVER_PORT;
    checkPort(this, 'solverPort', port);
    if (!Array.isArray(props.ingressControllers) || props.ingressControllers.length === 0) {
      throw new Error(`${this.node.path}: ingressControllers ${JSON.stringify(props.ingressControllers)} admits no ingress controller, but the HTTP-01 challenge reaches the solver through it, so the certificate would never be issued; give where it runs, e.g. [SolverTrafficSource.namespace("ingress-nginx")]`);
    }
    const sources = [
      ...(props.certManager ?? [SolverTrafficSource.certManager()]).map((s, i) => s._toPeer(this, `certManager[${i}]`)),
      ...props.ingressControllers.map((s, i) => s._toPeer(this, `ingressControllers[${i}]`)),
    ];
    if (props.metadata?.name !== undefined) assertNotFluxObject(this, 'metadata.name', 'NetworkPolicy', props.metadata.name);
    this.namespace = receiver.namespace;

    this.apiObject = new k8s.KubeNetworkPolicy(this, 'Resource', {
      metadata: { ...props.metadata, namespace: receiver.namespace },
      spec: {
        podSelector: { matchLabels: { [CertManagerSolverPolicy.SOLVER_POD_LABEL]: 'true' } },
        policyTypes: ['Ingress'],
        ingress: [{ from: sources, ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(port) }] }],
      },
    });
  }
}
