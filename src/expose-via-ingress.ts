import { ApiObjectMetadata } from 'cdk8s';
import { HttpIngressPathType, k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import {
  checkAnnotationKeys, checkHookPath, checkHostname, checkMetadataNamespace, checkObjectName, checkReceiver, HOOK_PATH_PREFIX,
} from './private/expose-validation';
import { checkObjectsAtSynth } from './private/object-names';
import { assertStructKeys, structKeys } from './private/validation';
import { IWebhookReceiver } from './webhook-receiver-ref';

const CERT_MANAGER_ISSUER_ANNOTATIONS = ['cert-manager.io/cluster-issuer', 'cert-manager.io/issuer'];

/** Options for TLS certificates issued by cert-manager. */
export interface CertManagerTlsOptions {
  /**
   * Name of the Secret cert-manager writes the certificate to, in the Ingress's namespace.
   *
   * @default - `<name of the Ingress>-tls`
   */
  readonly secretName?: string;
}

/**
 * TLS for the webhook Ingress: a certificate in an existing Secret, or one that cert-manager's
 * ingress-shim issues from the Ingress's annotation and TLS block.
 */
export class IngressTls {
  /**
   * Terminates TLS with the certificate in an existing `kubernetes.io/tls` Secret in the
   * Ingress's namespace.
   */
  public static fromSecret(secretName: string): IngressTls {
    return new IngressTls(secretName, undefined, undefined);
  }

  /**
   * Has cert-manager issue the certificate from a ClusterIssuer (annotation
   * `cert-manager.io/cluster-issuer`). For HTTP-01, add a `CertManagerSolverPolicy` where
   * NetworkPolicies would block the solver pod.
   *
   * @see https://cert-manager.io/docs/usage/ingress/
   */
  public static certManagerClusterIssuer(clusterIssuerName: string, options: CertManagerTlsOptions = {}): IngressTls {
    return new IngressTls(options.secretName, 'cert-manager.io/cluster-issuer', clusterIssuerName);
  }

  /**
   * Has cert-manager issue the certificate from an Issuer in the Ingress's namespace
   * (annotation `cert-manager.io/issuer`).
   *
   * @see https://cert-manager.io/docs/usage/ingress/
   */
  public static certManagerIssuer(issuerName: string, options: CertManagerTlsOptions = {}): IngressTls {
    return new IngressTls(options.secretName, 'cert-manager.io/issuer', issuerName);
  }

  private constructor(
    private readonly secretName: string | undefined,
    private readonly issuerAnnotation: string | undefined,
    private readonly issuerName: string | undefined,
  ) {}

  /** @internal the issuer annotation cert-manager's ingress-shim reads, if any. */
  public _annotations(ingress: Construct): { [key: string]: string } {
    if (this.secretName !== undefined) checkObjectName(ingress, 'tls secretName', this.secretName);
    const annotations: { [key: string]: string } = {};
    if (this.issuerAnnotation && this.issuerName !== undefined) {
      checkObjectName(ingress, `tls issuer (${this.issuerAnnotation})`, this.issuerName);
      annotations[this.issuerAnnotation] = this.issuerName;
    }
    return annotations;
  }

  /** @internal the Secret of the certificate: the given name, else `<ingress name>-tls` (stable and readable). */
  public _secretName(ingress: Construct, ingressName: string): string {
    const secretName = this.secretName ?? `${ingressName}-tls`;
    checkObjectName(ingress, 'tls secretName', secretName);
    return secretName;
  }
}

/**
 * Props for `ExposeViaIngress`.
 */
export interface ExposeViaIngressProps {
  /** The receiver whose Service the Ingress routes to. */
  readonly receiver: IWebhookReceiver;

  /**
   * Metadata of the Ingress. Its namespace is always the receiver's, because an Ingress
   * backend must be a Service in the same namespace.
   *
   * @default - a generated name in the receiver's namespace
   */
  readonly metadata?: ApiObjectMetadata;

  /**
   * Host name the Ingress rule matches, e.g. `flux-webhook.example.com`. Required with `tls`.
   *
   * @default - the rule matches every host
   */
  readonly host?: string;

  /**
   * HTTP path routed to the receiver. Webhook URLs are `/hook/<digest>`, so the path is
   * `/hook/` or a prefix of it, or a path under it (for a single receiver).
   *
   * @default "/hook/"
   */
  readonly path?: string;

  /**
   * How `path` matches request paths.
   *
   * @default HttpIngressPathType.PREFIX
   */
  readonly pathType?: HttpIngressPathType;

  /**
   * IngressClass of the controller that serves this Ingress.
   *
   * @see https://kubernetes.io/docs/concepts/services-networking/ingress/#ingress-class
   * @default - the cluster's default IngressClass
   */
  readonly ingressClassName?: string;

  /**
   * Annotations for the ingress controller (e.g. `nginx.ingress.kubernetes.io/ssl-redirect`).
   *
   * @default - none besides those `tls` adds
   */
  readonly annotations?: { [key: string]: string };

  /**
   * TLS: `IngressTls.fromSecret(name)` or `IngressTls.certManagerClusterIssuer(name)` /
   * `IngressTls.certManagerIssuer(name)`.
   *
   * @default - no TLS block (plain HTTP; Git hosts will send webhook secrets in clear text)
   */
  readonly tls?: IngressTls;
}

const EXPOSE_VIA_INGRESS_PROPS_KEYS = structKeys<ExposeViaIngressProps>()({
  receiver: true, metadata: true, host: true, path: true, pathType: true, ingressClassName: true, annotations: true, tls: true,
});

/**
 * Exposes a webhook receiver through an `networking.k8s.io/v1` Ingress whose single rule routes
 * `host` + `path` (`/hook/`, Prefix) to the receiver's Service, optionally with TLS from a Secret
 * or from cert-manager.
 *
 * @see https://fluxcd.io/flux/guides/webhook-receivers/
 */
export class ExposeViaIngress extends Construct {
  /** The Ingress (the L1 object, for escape hatches). */
  public readonly apiObject: k8s.KubeIngress;
  /** Namespace of the Ingress (the receiver's). */
  public readonly namespace: string;
  /** Path routed to the receiver. */
  public readonly path: string;
  /** Host the rule matches, when set. */
  public readonly host?: string;
  /** Secret holding the TLS certificate, when TLS is on. */
  public readonly tlsSecretName?: string;

  public constructor(scope: Construct, id: string, props: ExposeViaIngressProps) {
    super(scope, id);
    assertStructKeys(`ExposeViaIngress ${this.node.path}: props`, props, EXPOSE_VIA_INGRESS_PROPS_KEYS);
    checkObjectsAtSynth(this);
    const receiver = props.receiver;
    checkReceiver(this, receiver);
    checkMetadataNamespace(this, props.metadata?.namespace, receiver.namespace, 'an Ingress backend must be a Service in the Ingress\'s namespace');
    this.path = props.path ?? HOOK_PATH_PREFIX;
    checkHookPath(this, 'path', this.path);
    if (props.pathType === HttpIngressPathType.EXACT && !(this.path.startsWith(HOOK_PATH_PREFIX) && this.path.length > HOOK_PATH_PREFIX.length)) {
      throw new Error(`${this.node.path}: pathType EXACT with path "${this.path}" matches no webhook URL; use the default PREFIX, or an exact "${HOOK_PATH_PREFIX}<digest>" path`);
    }
    if (props.host !== undefined) checkHostname(this, 'host', props.host);
    if (props.ingressClassName !== undefined) checkObjectName(this, 'ingressClassName', props.ingressClassName);
    checkAnnotationKeys(this, 'annotations', props.annotations ?? {});
    if (props.tls && props.host === undefined) {
      throw new Error(`${this.node.path}: tls needs a host, because the certificate is issued for and served on a host name; set host (e.g. "flux-webhook.example.com")`);
    }
    this.namespace = receiver.namespace;
    this.host = props.host;

    const tlsAnnotations = props.tls?._annotations(this) ?? {};
    const userAnnotations = { ...props.metadata?.annotations, ...props.annotations };
    if (Object.keys(tlsAnnotations).length > 0) {
      for (const key of CERT_MANAGER_ISSUER_ANNOTATIONS) {
        if (key in userAnnotations) {
          throw new Error(`${this.node.path}: annotation "${key}: ${userAnnotations[key]}" conflicts with tls, which sets the cert-manager issuer; remove the annotation and choose the issuer with IngressTls.certManagerClusterIssuer() or IngressTls.certManagerIssuer()`);
        }
      }
    }
    const annotations = { ...userAnnotations, ...tlsAnnotations };
    // The default Secret name derives from the Ingress's name, known once the Ingress exists.
    const tlsBlocks: k8s.IngressTls[] = [];

    this.apiObject = new k8s.KubeIngress(this, 'Resource', {
      metadata: {
        ...props.metadata,
        namespace: receiver.namespace,
        annotations: Object.keys(annotations).length > 0 ? annotations : undefined,
      },
      spec: {
        ingressClassName: props.ingressClassName,
        tls: props.tls && props.host ? tlsBlocks : undefined,
        rules: [{
          host: props.host,
          http: {
            paths: [{
              path: this.path,
              pathType: props.pathType ?? HttpIngressPathType.PREFIX,
              backend: { service: { name: receiver.serviceName, port: { number: receiver.servicePort } } },
            }],
          },
        }],
      },
    });
    if (props.tls && props.host) {
      this.tlsSecretName = props.tls._secretName(this, this.apiObject.name);
      tlsBlocks.push({ hosts: [props.host], secretName: this.tlsSecretName });
    }
  }
}
