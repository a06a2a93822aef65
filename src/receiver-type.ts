/**
 * The kind of webhook sender a Flux Receiver accepts (`spec.type`). It selects how a request is
 * authenticated and how its payload is read.
 *
 * @see https://fluxcd.io/flux/components/notification/receivers/#type
 */
export enum ReceiverType {
  /** Any sender; authenticated only by the secret webhook path. */
  GENERIC = 'generic',
  /** Any sender that signs the body with HMAC (`X-Signature: <sha1|sha256|sha512>=<hex>`). */
  GENERIC_HMAC = 'generic-hmac',
  /** Any sender that presents an OIDC ID token (e.g. GitHub Actions); no Secret. */
  GENERIC_OIDC = 'generic-oidc',
  /** GitHub, Gitea and Forgejo (`X-Hub-Signature-256`, `X-GitHub-Event`). */
  GITHUB = 'github',
  /** GitLab (`X-Gitlab-Token`, `X-Gitlab-Event`). */
  GITLAB = 'gitlab',
  /** Bitbucket Cloud and Bitbucket Server / Data Center (`X-Hub-Signature`, `X-Event-Key`). */
  BITBUCKET = 'bitbucket',
  /** Harbor (`Authorization` header holds the token). */
  HARBOR = 'harbor',
  /** Docker Hub (payload callback). */
  DOCKERHUB = 'dockerhub',
  /** Quay (payload has a docker_url). */
  QUAY = 'quay',
  /** Google Container Registry / Artifact Registry through a Pub/Sub push subscription. */
  GCR = 'gcr',
  /** Sonatype Nexus (`X-Nexus-Webhook-Signature`). */
  NEXUS = 'nexus',
  /** Azure Container Registry (payload has a target repository). */
  ACR = 'acr',
  /** CDEvents (`Ce-Type` header, CDEvents payload). */
  CDEVENTS = 'cdevents',

  // Extensions of the bundled server (files mode only): Flux's Receiver schema has no such type,
  // so `FluxReceivers` refuses them.

  /** Extension, `WebhookReceiver` only: Gitea and Forgejo native headers (`X-Gitea-Signature` / `X-Forgejo-Signature`, `X-Gitea-Event` / `X-Forgejo-Event`). */
  GITEA = 'gitea',
  /** Extension, `WebhookReceiver` only: Azure DevOps service hooks (basic auth password or `X-Webhook-Token` header). */
  AZURE_DEVOPS = 'azure-devops',
  /** Extension, `WebhookReceiver` only: Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`). */
  STANDARD_WEBHOOKS = 'standard-webhooks',
}
