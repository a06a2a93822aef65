// What the constructs and the receiver server agree on: ports, flags, mount points, image.
// The constructs render a Deployment from these; the server's CLI parses the same names.

/** Port of the webhook listener (Flux's `http-webhook`). */
export const WEBHOOK_PORT = 9292;
/** Port of the Prometheus metrics listener (Flux's `http-prom`). */
export const METRICS_PORT = 8080;
/** Port of `/healthz` and `/readyz` (Flux's `healthz`). */
export const HEALTH_PORT = 9440;

export const WEBHOOK_PORT_NAME = 'http-webhook';
export const METRICS_PORT_NAME = 'http-prom';
export const HEALTH_PORT_NAME = 'healthz';

/**
 * The Node flags the image starts the server with. A heap limit makes V8 collect the garbage of
 * decoded bodies instead of growing into the pod's memory limit (peak RSS under concurrent signed
 * near-cap deliveries with and without it: docs/reliability.md). Live
 * data stays well below it: the decode budget (server/pipeline/decode-budget.ts) bounds what
 * deliveries hold.
 */
export const SERVER_NODE_FLAGS: readonly string[] = ['--max-old-space-size=160'];

/** Where the constructs mount the receiver definitions (a ConfigMap). */
export const RECEIVERS_MOUNT_PATH = '/etc/flux-webhooks/receivers';
/** Where the constructs mount Secrets: `<dir>/<secretName>/<key>`. */
export const SECRETS_MOUNT_PATH = '/etc/flux-webhooks/secrets';

/** Command-line flags of `flux-webhook-receiver serve`, and the environment variable for each. */
export const SERVER_FLAGS = {
  listen: { flag: '--listen', env: 'RECEIVER_LISTEN', default: `:${WEBHOOK_PORT}` },
  metricsListen: { flag: '--metrics-listen', env: 'RECEIVER_METRICS_LISTEN', default: `:${METRICS_PORT}` },
  healthListen: { flag: '--health-listen', env: 'RECEIVER_HEALTH_LISTEN', default: `:${HEALTH_PORT}` },
  receivers: { flag: '--receivers', env: 'RECEIVER_RECEIVERS', default: '' },
  secretsDir: { flag: '--secrets-dir', env: 'RECEIVER_SECRETS_DIR', default: '' },
  watchReceivers: { flag: '--watch-receivers', env: 'RECEIVER_WATCH_RECEIVERS', default: 'false' },
  namespace: { flag: '--namespace', env: 'RECEIVER_NAMESPACE', default: '' },
  secretsByName: { flag: '--secrets-by-name', env: 'RECEIVER_SECRETS_BY_NAME', default: 'false' },
  // Files mode away from a pod (a synthesized dist/ served locally): each named Secret by GET through the kubeconfig.
  secretsFromCluster: { flag: '--secrets-from-cluster', env: 'RECEIVER_SECRETS_FROM_CLUSTER', default: 'false' },
  kubeconfig: { flag: '--kubeconfig', env: 'KUBECONFIG', default: '' },
  noCrossNamespaceRefs: { flag: '--no-cross-namespace-refs', env: 'RECEIVER_NO_CROSS_NAMESPACE_REFS', default: 'false' },
  logLevel: { flag: '--log-level', env: 'RECEIVER_LOG_LEVEL', default: 'info' },
  // Extension (redelivery): copies of a succeeded delivery within this window get 200 without a patch; 0 turns it off.
  duplicateWindow: { flag: '--duplicate-window', env: 'RECEIVER_DUPLICATE_WINDOW', default: '0' },
  // Extensions beyond Flux (docs/compatibility.md, "Extensions"). The limits apply to verified
  // deliveries per receiver; `generic` has no signature (the URL is its only secret), hence lower.
  rateLimit: { flag: '--rate-limit', env: 'RECEIVER_RATE_LIMIT', default: '20/s,burst=200' },
  genericRateLimit: { flag: '--generic-rate-limit', env: 'RECEIVER_GENERIC_RATE_LIMIT', default: '2/s,burst=20' },
  jsonAnswers: { flag: '--json-answers', env: 'RECEIVER_JSON_ANSWERS', default: 'false' },
  // Extension (not in Flux): Kubernetes Events on targets and, in cluster mode, on failing Receivers.
  recordEvents: { flag: '--record-events', env: 'RECEIVER_RECORD_EVENTS', default: 'false' },
} as const;

/** The receiver image the constructs deploy by default; tagged with this package's version. */
export const DEFAULT_IMAGE_REPOSITORY = 'ghcr.io/cdk8s-flux-webhooks/receiver';
/** Name of the executable in the npm package and the image. */
export const SERVER_BINARY = 'flux-webhook-receiver';
/** Non-root user and group of the image. */
export const IMAGE_USER_ID = 65532;
