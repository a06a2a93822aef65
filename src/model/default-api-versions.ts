/**
 * apiVersions Flux v1.9.3 assumes when a receiver resource omits `apiVersion`. Kinds not
 * listed here have no default: the resource must name its apiVersion.
 */
export const DEFAULT_API_VERSIONS: Readonly<Record<string, string>> = {
  Bucket: 'source.toolkit.fluxcd.io/v1',
  HelmChart: 'source.toolkit.fluxcd.io/v1',
  HelmRepository: 'source.toolkit.fluxcd.io/v1',
  GitRepository: 'source.toolkit.fluxcd.io/v1',
  OCIRepository: 'source.toolkit.fluxcd.io/v1',
  ImageRepository: 'image.toolkit.fluxcd.io/v1',
  ArtifactGenerator: 'source.extensions.fluxcd.io/v1beta1',
};

/**
 * The served apiVersion of every kind Flux can target, for the kinds that have no default
 * above. The constructs always write an explicit apiVersion from this table.
 */
export const CURRENT_API_VERSIONS: Readonly<Record<string, string>> = {
  ...DEFAULT_API_VERSIONS,
  Kustomization: 'kustomize.toolkit.fluxcd.io/v1',
  HelmRelease: 'helm.toolkit.fluxcd.io/v2',
  ImagePolicy: 'image.toolkit.fluxcd.io/v1',
  ImageUpdateAutomation: 'image.toolkit.fluxcd.io/v1',
  ExternalArtifact: 'source.toolkit.fluxcd.io/v1',
};

/** Lowercase plural resource names, for REST paths and RBAC rules. */
export const KIND_PLURALS: Readonly<Record<string, string>> = {
  Bucket: 'buckets',
  HelmChart: 'helmcharts',
  HelmRepository: 'helmrepositories',
  GitRepository: 'gitrepositories',
  OCIRepository: 'ocirepositories',
  ImageRepository: 'imagerepositories',
  ArtifactGenerator: 'artifactgenerators',
  Kustomization: 'kustomizations',
  HelmRelease: 'helmreleases',
  ImagePolicy: 'imagepolicies',
  ImageUpdateAutomation: 'imageupdateautomations',
  ExternalArtifact: 'externalartifacts',
};

/** Splits `group/version` the way Flux does: one part means the core group. */
export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const parts = apiVersion.split('/');
  return parts.length === 1 ? { group: '', version: parts[0] } : { group: parts[0], version: parts[1] };
}
