import { ApiObjectMetadata } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { checkAnnotationKeys, checkCidr, checkLabels, checkMetadataNamespace, checkObjectName, checkPort, checkReceiver } from './private/expose-validation';
import { assertNotFluxObject, checkObjectsAtSynth } from './private/object-names';
import { assertStructKeys, structKeys } from './private/validation';
import { IWebhookReceiver } from './webhook-receiver-ref';

/**
 * Whether a LoadBalancer Service routes external traffic to node-local endpoints only.
 *
 * @see https://kubernetes.io/docs/reference/networking/virtual-ips/#external-traffic-policy
 */
export enum ExternalTrafficPolicy {
  /** Any node forwards to any receiver pod; the client source IP is replaced by a node IP. */
  CLUSTER = 'Cluster',
  /** Nodes forward only to receiver pods on the same node; the client source IP is kept. */
  LOCAL = 'Local',
}

/**
 * Props for `ExposeViaLoadBalancer`.
 */
export interface ExposeViaLoadBalancerProps {
  /** The receiver whose pods the Service selects. */
  readonly receiver: IWebhookReceiver;

  /**
   * Metadata of the Service. Its namespace is always the receiver's.
   *
   * @default - a generated name in the receiver's namespace
   */
  readonly metadata?: ApiObjectMetadata;

  /**
   * Port the load balancer listens on; it forwards to the receiver's webhook port.
   *
   * @default 80
   */
  readonly port?: number;

  /**
   * Annotations for the cloud provider's load balancer controller, e.g.
   * `service.beta.kubernetes.io/aws-load-balancer-scheme: internet-facing`.
   *
   * @default - none
   */
  readonly annotations?: { [key: string]: string };

  /**
   * Client CIDRs the load balancer admits, e.g. the published webhook source ranges of your Git
   * host. Enforced by the cloud provider.
   *
   * @see https://kubernetes.io/docs/tasks/access-application-cluster/configure-cloud-provider-firewall/
   * @default - every source
   */
  readonly loadBalancerSourceRanges?: string[];

  /**
   * How nodes route external traffic to the receiver pods. `LOCAL` keeps the client source IP,
   * which NetworkPolicies (such as Flux's `allow-webhooks`) can then see.
   *
   * @default - the cluster's default (`Cluster`)
   */
  readonly externalTrafficPolicy?: ExternalTrafficPolicy;

  /**
   * Add a NetworkPolicy that admits traffic from outside the cluster to the receiver pods'
   * webhook port. Policies such as Flux's `allow-webhooks` (and `WebhookReceiver`'s) admit only
   * pods, and traffic from a load balancer does not come from a pod. The sources are
   * `loadBalancerSourceRanges` with `ExternalTrafficPolicy.LOCAL` (client IPs are kept), and any
   * address otherwise (the load balancer enforces the ranges; packets arrive from node IPs).
   *
   * @default true
   */
  readonly networkPolicy?: boolean;

  /**
   * Name of the NetworkPolicy admitting load-balancer traffic (see `networkPolicy`). Flux's own
   * policy names (`allow-egress`, `allow-scraping`, `allow-webhooks`) are refused.
   *
   * @default - a name generated from the construct path
   */
  readonly networkPolicyName?: string;
}

const EXPOSE_VIA_LOAD_BALANCER_PROPS_KEYS = structKeys<ExposeViaLoadBalancerProps>()({
  receiver: true,
  metadata: true,
  port: true,
  annotations: true,
  loadBalancerSourceRanges: true,
  externalTrafficPolicy: true,
  networkPolicy: true,
  networkPolicyName: true,
});

/**
 * Exposes a webhook receiver through a Service of type `LoadBalancer`: the cloud's load balancer
 * listens on `port` (80) and forwards to the receiver pods' webhook port (9292), like the
 * LoadBalancer variant of Flux's "Setup Webhook Receivers" guide.
 *
 * Flux's default NetworkPolicies (and `WebhookReceiver`'s) admit webhook traffic only from pods,
 * so a NetworkPolicy admitting the load balancer's traffic to the webhook port comes with it
 * (see `networkPolicy`).
 *
 * @see https://fluxcd.io/flux/guides/webhook-receivers/
 */
export class ExposeViaLoadBalancer extends Construct {
  /** The `LoadBalancer` Service (the L1 object, for escape hatches). */
  public readonly apiObject: k8s.KubeService;
  /** Namespace of the Service (the receiver's). */
  public readonly namespace: string;
  /** Port the load balancer listens on. */
  public readonly port: number;
  /** The NetworkPolicy admitting load-balancer traffic; undefined when `networkPolicy` is false. */
  public readonly networkPolicy?: k8s.KubeNetworkPolicy;

  public constructor(scope: Construct, id: string, props: ExposeViaLoadBalancerProps) {
    super(scope, id);
    assertStructKeys(`ExposeViaLoadBalancer ${this.node.path}: props`, props, EXPOSE_VIA_LOAD_BALANCER_PROPS_KEYS);
    checkObjectsAtSynth(this);
    const receiver = props.receiver;
    checkReceiver(this, receiver);
    checkMetadataNamespace(this, props.metadata?.namespace, receiver.namespace, 'a Service can only select pods in its own namespace');
    this.port = props.port ?? 80;
    checkPort(this, 'port', this.port);
    checkAnnotationKeys(this, 'annotations', props.annotations ?? {});
    for (const cidr of props.loadBalancerSourceRanges ?? []) checkCidr(this, 'loadBalancerSourceRanges', cidr);
    if (Object.keys(receiver.podSelectorLabels).length === 0) {
      throw new Error(`${this.node.path}: receiver.podSelectorLabels is empty, so the Service would select no pods; the receiver must expose the labels of its pods`);
    }
    checkLabels(this, 'receiver.podSelectorLabels', receiver.podSelectorLabels);
    if (props.metadata?.name !== undefined) {
      checkObjectName(this, 'metadata.name', props.metadata.name);
      assertNotFluxObject(this, 'metadata.name', 'Service', props.metadata.name);
    }
    if (props.networkPolicyName !== undefined) {
      if (props.networkPolicy === false) {
        throw new Error(`${this.node.path}: networkPolicyName "${props.networkPolicyName}" is set but networkPolicy is false, so there is no NetworkPolicy to name; remove one of the two`);
      }
      checkObjectName(this, 'networkPolicyName', props.networkPolicyName);
      assertNotFluxObject(this, 'networkPolicyName', 'NetworkPolicy', props.networkPolicyName);
    }
    this.namespace = receiver.namespace;

    this.apiObject = new k8s.KubeService(this, 'Resource', {
      metadata: {
        ...props.metadata,
        namespace: receiver.namespace,
        annotations: { ...props.metadata?.annotations, ...props.annotations },
      },
      spec: {
        type: 'LoadBalancer',
        selector: { ...receiver.podSelectorLabels },
        ports: [{ name: 'http', protocol: 'TCP', port: this.port, targetPort: k8s.IntOrString.fromNumber(receiver.webhookPort) }],
        loadBalancerSourceRanges: props.loadBalancerSourceRanges ? [...props.loadBalancerSourceRanges] : undefined,
        externalTrafficPolicy: props.externalTrafficPolicy,
      },
    });

    if (props.networkPolicy ?? true) {
      const ranges = props.externalTrafficPolicy === ExternalTrafficPolicy.LOCAL && props.loadBalancerSourceRanges?.length
        ? props.loadBalancerSourceRanges
        : ['0.0.0.0/0', '::/0'];
      this.networkPolicy = new k8s.KubeNetworkPolicy(this, 'AllowLoadBalancer', {
        metadata: {
          ...(props.networkPolicyName ? { name: props.networkPolicyName } : {}),
          namespace: receiver.namespace,
          labels: props.metadata?.labels,
        },
        spec: {
          podSelector: { matchLabels: { ...receiver.podSelectorLabels } },
          policyTypes: ['Ingress'],
          ingress: [{
            from: ranges.map((cidr) => ({ ipBlock: { cidr } })),
            ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(receiver.webhookPort) }],
          }],
        },
      });
    }
  }
}
