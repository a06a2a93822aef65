import { ApiObject, ApiObjectMetadata } from 'cdk8s';
import { Construct } from 'constructs';
import { HttpRoute, HttpRouteSpecRulesMatchesPathType, ReferenceGrant } from './imports/gateway.networking.k8s.io';
import {
  checkAnnotationKeys, checkHookPath, checkHostname, checkMetadataNamespace, checkNamespaceName, checkObjectName, checkPort, checkReceiver,
  HOOK_PATH_PREFIX,
} from './private/expose-validation';
import { checkObjectsAtSynth } from './private/object-names';
import { assertStructKeys, structKeys } from './private/validation';
import { IWebhookReceiver } from './webhook-receiver-ref';

/**
 * A Gateway (or one of its listeners) the HTTPRoute attaches to.
 *
 * @see https://gateway-api.sigs.k8s.io/reference/spec/#parentreference
 */
export interface GatewayParentRef {
  /** Name of the Gateway. */
  readonly name: string;

  /**
   * Namespace of the Gateway. Its listener's `allowedRoutes` must admit routes from the
   * HTTPRoute's namespace.
   *
   * @default - the HTTPRoute's namespace
   */
  readonly namespace?: string;

  /**
   * Name of the Gateway listener to attach to.
   *
   * @default - every listener that admits the route
   */
  readonly sectionName?: string;

  /**
   * Port of the Gateway listener(s) to attach to.
   *
   * @default - any port
   */
  readonly port?: number;
}

const GATEWAY_PARENT_REF_KEYS = structKeys<GatewayParentRef>()({ name: true, namespace: true, sectionName: true, port: true });

/**
 * How the HTTPRoute matches the webhook path.
 */
export enum HttpRoutePathMatch {
  /** Matches the path and everything under it, by path element. */
  PATH_PREFIX = 'PathPrefix',
  /** Matches exactly this path (useful for one `/hook/<digest>` only). */
  EXACT = 'Exact',
}

/**
 * Props for `ExposeViaHttpRoute`.
 */
export interface ExposeViaHttpRouteProps {
  /** The receiver whose Service the route sends requests to. */
  readonly receiver: IWebhookReceiver;

  /** Gateways (or listeners) to attach to; at least one. */
  readonly parentRefs: GatewayParentRef[];

  /**
   * Namespace of the HTTPRoute. When it differs from the receiver's, a ReferenceGrant in the
   * receiver's namespace allows this route to send traffic to the receiver's Service.
   *
   * @default - the receiver's namespace
   */
  readonly namespace?: string;

  /**
   * Metadata of the HTTPRoute. Set the namespace with `namespace`.
   *
   * @default - a generated name
   */
  readonly metadata?: ApiObjectMetadata;

  /**
   * Host names the route matches (the `Host` header), e.g. `flux-webhook.example.com`.
   *
   * @default - every host the Gateway listener accepts
   */
  readonly hostnames?: string[];

  /**
   * HTTP path routed to the receiver: `/hook/`, a prefix of it, or a path under it.
   *
   * @default "/hook/"
   */
  readonly path?: string;

  /**
   * How `path` is matched.
   *
   * @default HttpRoutePathMatch.PATH_PREFIX
   */
  readonly pathMatch?: HttpRoutePathMatch;
}

const EXPOSE_VIA_HTTP_ROUTE_PROPS_KEYS = structKeys<ExposeViaHttpRouteProps>()({
  receiver: true, parentRefs: true, namespace: true, metadata: true, hostnames: true, path: true, pathMatch: true,
});

const GATEWAY_GROUP = 'gateway.networking.k8s.io';

/**
 * Exposes a webhook receiver through a Gateway API `HTTPRoute` (`gateway.networking.k8s.io/v1`)
 * that sends `/hook/` requests to the receiver's Service. When the route lives in another
 * namespace than the Service, a `ReferenceGrant` is added in the Service's namespace.
 *
 * @see https://gateway-api.sigs.k8s.io/api-types/httproute/
 * @see https://fluxcd.io/flux/guides/webhook-receivers/
 */
export class ExposeViaHttpRoute extends Construct {
  /** The HTTPRoute (the L1 object, for escape hatches). */
  public readonly apiObject: ApiObject;
  /**
   * The ReferenceGrant allowing the route to reach the receiver's Service; only when the route
   * lives in another namespace.
   */
  public readonly referenceGrant?: ApiObject;
  /** Namespace of the HTTPRoute. */
  public readonly namespace: string;
  /** Path routed to the receiver. */
  public readonly path: string;

  public constructor(scope: Construct, id: string, props: ExposeViaHttpRouteProps) {
    super(scope, id);
    assertStructKeys(`ExposeViaHttpRoute ${this.node.path}: props`, props, EXPOSE_VIA_HTTP_ROUTE_PROPS_KEYS);
    checkObjectsAtSynth(this);
    const receiver = props.receiver;
    checkReceiver(this, receiver);
    this.namespace = props.namespace ?? receiver.namespace;
    checkNamespaceName(this, 'namespace', this.namespace);
    checkMetadataNamespace(this, props.metadata?.namespace, this.namespace, 'the HTTPRoute\'s namespace is set with the namespace prop');
    checkAnnotationKeys(this, 'metadata.annotations', props.metadata?.annotations ?? {});
    if (props.parentRefs.length === 0) {
      throw new Error(`${this.node.path}: parentRefs is empty, so the route would attach to no Gateway; add at least one, e.g. { name: "public-gateway", namespace: "gateway-system" }`);
    }
    props.parentRefs.forEach((ref, i) => {
      assertStructKeys(`ExposeViaHttpRoute ${this.node.path}: parentRefs[${i}]`, ref, GATEWAY_PARENT_REF_KEYS);
      checkObjectName(this, `parentRefs[${i}].name`, ref.name);
      if (ref.namespace !== undefined) checkNamespaceName(this, `parentRefs[${i}].namespace`, ref.namespace);
      if (ref.sectionName !== undefined) checkObjectName(this, `parentRefs[${i}].sectionName`, ref.sectionName);
      if (ref.port !== undefined) checkPort(this, `parentRefs[${i}].port`, ref.port);
    });
    (props.hostnames ?? []).forEach((h, i) => checkHostname(this, `hostnames[${i}]`, h));
    this.path = props.path ?? HOOK_PATH_PREFIX;
    checkHookPath(this, 'path', this.path);
    const pathMatch = props.pathMatch ?? HttpRoutePathMatch.PATH_PREFIX;
    if (pathMatch === HttpRoutePathMatch.EXACT && !(this.path.startsWith(HOOK_PATH_PREFIX) && this.path.length > HOOK_PATH_PREFIX.length)) {
      throw new Error(`${this.node.path}: pathMatch EXACT with path "${this.path}" matches no webhook URL; use the default PATH_PREFIX, or an exact "${HOOK_PATH_PREFIX}<digest>" path`);
    }

    const crossNamespace = this.namespace !== receiver.namespace;
    this.apiObject = new HttpRoute(this, 'Resource', {
      metadata: { ...props.metadata, namespace: this.namespace },
      spec: {
        parentRefs: props.parentRefs.map((ref) => ({
          group: GATEWAY_GROUP,
          kind: 'Gateway',
          name: ref.name,
          namespace: ref.namespace,
          sectionName: ref.sectionName,
          port: ref.port,
        })),
        hostnames: props.hostnames && props.hostnames.length > 0 ? [...props.hostnames] : undefined,
        rules: [{
          matches: [{ path: { type: pathMatch as string as HttpRouteSpecRulesMatchesPathType, value: this.path } }],
          backendRefs: [{
            group: '',
            kind: 'Service',
            name: receiver.serviceName,
            namespace: crossNamespace ? receiver.namespace : undefined,
            port: receiver.servicePort,
          }],
        }],
      },
    });

    if (crossNamespace) {
      this.referenceGrant = new ReferenceGrant(this, 'ReferenceGrant', {
        metadata: { namespace: receiver.namespace },
        spec: {
          from: [{ group: GATEWAY_GROUP, kind: 'HTTPRoute', namespace: this.namespace }],
          to: [{ group: '', kind: 'Service', name: receiver.serviceName }],
        },
      });
    }
  }
}
