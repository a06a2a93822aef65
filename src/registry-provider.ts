/**
 * How Flux authenticates to a container registry (Flux `spec.provider` of ImageRepository and
 * OCIRepository): with a Secret (`GENERIC`), or with the cloud's workload identity.
 *
 * @see https://fluxcd.io/flux/components/source/ocirepositories/#provider
 */
export enum RegistryProvider {
  /** Credentials from `secretRef`, if any (Flux's default). */
  GENERIC = 'generic',
  /** Amazon ECR, through the node's or the workload's IAM role. */
  AWS = 'aws',
  /** Azure Container Registry, through workload identity. */
  AZURE = 'azure',
  /** Google Artifact Registry / GCR, through workload identity. */
  GCP = 'gcp',
}
