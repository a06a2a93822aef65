// The Flux `notification.toolkit.fluxcd.io/v1` Receiver model shared by the constructs and the
// receiver server. Plain data and pure functions only: no cdk8s, no server code.

export const RECEIVER_API_VERSION = 'notification.toolkit.fluxcd.io/v1';
export const RECEIVER_KIND = 'Receiver';

/** Every `spec.type` Flux v1.9.3 accepts. */
export const RECEIVER_TYPES = [
  'generic',
  'generic-hmac',
  'generic-oidc',
  'github',
  'gitlab',
  'bitbucket',
  'harbor',
  'dockerhub',
  'quay',
  'gcr',
  'nexus',
  'acr',
  'cdevents',
] as const;
export type ReceiverTypeName = (typeof RECEIVER_TYPES)[number];

/**
 * Extensions: `spec.type`s only the bundled server serves, and only in files mode. Flux's
 * Receiver CRD has no such type, so cluster mode and `FluxReceivers` refuse them.
 */
export const EXTENSION_RECEIVER_TYPES = ['gitea', 'azure-devops', 'standard-webhooks'] as const;
export type ExtensionReceiverTypeName = (typeof EXTENSION_RECEIVER_TYPES)[number];

/** Whether `type` is one of the bundled server's extension types (not a Flux type). */
export function isExtensionReceiverType(type: string): type is ExtensionReceiverTypeName {
  return (EXTENSION_RECEIVER_TYPES as readonly string[]).includes(type);
}

/** Types whose `spec.events` allow-list is consulted (they carry an event header). */
export const EVENT_FILTERING_TYPES: readonly (ReceiverTypeName | ExtensionReceiverTypeName)[] = ['github', 'gitlab', 'bitbucket', 'cdevents', 'gitea'];

/** Every `spec.resources[].kind` the v1 CRD accepts. */
export const TARGET_KINDS = [
  'Bucket',
  'GitRepository',
  'Kustomization',
  'HelmRelease',
  'HelmChart',
  'HelmRepository',
  'ImageRepository',
  'ImagePolicy',
  'ImageUpdateAutomation',
  'OCIRepository',
  'ArtifactGenerator',
  'ExternalArtifact',
] as const;
export type TargetKind = (typeof TARGET_KINDS)[number];

/** Keys read from the receiver's Secret. */
export const SECRET_KEYS = {
  token: 'token',
  /** gcr only: the Pub/Sub push service account email. */
  email: 'email',
  /** gcr only: the expected `aud` claim of the Google ID token. */
  audience: 'audience',
} as const;

/** Default `spec.interval` (how often Flux re-reads the Secret). */
export const DEFAULT_RECEIVER_INTERVAL = '10m';
/** Default `oidcProviders[].audience` for generic-oidc. */
export const DEFAULT_OIDC_AUDIENCE = 'notification-controller';

/** The annotation whose change makes a Flux controller reconcile the object now. */
export const RECONCILE_REQUESTED_AT_ANNOTATION = 'reconcile.fluxcd.io/requestedAt';

/** A wildcard `name`: select targets by `matchLabels` instead. */
export const WILDCARD_NAME = '*';

export interface ReceiverResourceSpec {
  readonly apiVersion?: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
  readonly matchLabels?: Record<string, string>;
  readonly filter?: string;
}

export interface OidcVariableSpec {
  readonly name: string;
  readonly expression: string;
}

export interface OidcValidationSpec {
  readonly expression: string;
  readonly message: string;
}

export interface OidcProviderSpec {
  readonly issuerURL: string;
  readonly audience?: string;
  readonly variables?: OidcVariableSpec[];
  readonly validations: OidcValidationSpec[];
}

export interface ReceiverSpec {
  readonly type: ReceiverTypeName | string;
  readonly interval?: string;
  readonly events?: string[];
  readonly resources: ReceiverResourceSpec[];
  readonly resourceFilter?: string;
  readonly secretRef?: { readonly name: string };
  readonly oidcProviders?: OidcProviderSpec[];
  readonly suspend?: boolean;
}

export interface ReceiverMetadata {
  readonly name: string;
  readonly namespace?: string;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
  readonly generation?: number;
  readonly uid?: string;
  readonly resourceVersion?: string;
}

export interface ReceiverCondition {
  readonly type: string;
  readonly status: 'True' | 'False' | 'Unknown';
  readonly observedGeneration?: number;
  readonly lastTransitionTime: string;
  readonly reason: string;
  readonly message: string;
}

export interface ReceiverStatus {
  readonly conditions?: ReceiverCondition[];
  readonly webhookPath?: string;
  readonly observedGeneration?: number;
  readonly lastHandledReconcileAt?: string;
}

export interface ReceiverObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: ReceiverMetadata;
  readonly spec: ReceiverSpec;
  readonly status?: ReceiverStatus;
}
