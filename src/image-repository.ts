import { ApiObject, ApiObjectMetadata, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { ImageRepository as ImageRepositoryL1, ImageRepositorySpecProvider } from './imports/image.toolkit.fluxcd.io';
import { fluxDuration } from './private/flux-duration';
import { checkObjectsAtSynth, sourceMetadata } from './private/object-names';
import { assertStructKeys, structKeys } from './private/validation';
import { RegistryProvider } from './registry-provider';

/** Props of `ImageRepository`. */
export interface ImageRepositoryProps {
  /** Image to scan for tags, without tag or digest, e.g. `ghcr.io/org/webapp`. */
  readonly image: string;
  /**
   * How often Flux scans the registry; webhooks make new tags arrive sooner.
   *
   * @default Duration.minutes(10)
   */
  readonly interval?: Duration;
  /**
   * Secret of type `kubernetes.io/dockerconfigjson` with registry credentials.
   *
   * @default - none (public image, or `provider` credentials)
   */
  readonly secretRef?: kplus.ISecret;
  /**
   * How Flux authenticates to the registry.
   *
   * @default RegistryProvider.GENERIC
   */
  readonly provider?: RegistryProvider;
  /**
   * Metadata of the object.
   *
   * @default - the construct id as the name when it is a valid object name (lowercase letters,
   * digits, '-' and '.'), else a generated name; in the chart's namespace
   */
  readonly metadata?: ApiObjectMetadata;
}

const IMAGE_REPOSITORY_PROPS_KEYS = structKeys<ImageRepositoryProps>()({
  image: true, interval: true, secretRef: true, provider: true, metadata: true,
});

/**
 * A Flux `image.toolkit.fluxcd.io/v1` ImageRepository: the image whose tags Flux scans, which a
 * registry webhook (GitHub `package`, Harbor, Docker Hub, GCR, …) asks to rescan at once. Pass it
 * to `ReconcileTarget.fromApiObject()`.
 *
 * Its name is `metadata.name` if given, else the construct id when that is a valid object name
 * (what `flux reconcile image repository <name>` takes), else a name cdk8s generates.
 *
 * @see https://fluxcd.io/flux/components/image/imagerepositories/
 */
export class ImageRepository extends Construct {
  /** The generated L1 (the default child, id `Resource`). */
  public readonly apiObject: ApiObject;
  /** Name of the ImageRepository. */
  public readonly name: string;

  public constructor(scope: Construct, id: string, props: ImageRepositoryProps) {
    super(scope, id);
    assertStructKeys(`ImageRepository ${this.node.path}: props`, props, IMAGE_REPOSITORY_PROPS_KEYS);
    checkObjectsAtSynth(this);
    const image = props.image;
    if (typeof image !== 'string' || image === '' || /\s/.test(image) || image.includes('://')) {
      throw new Error(`ImageRepository ${this.node.path} image ${JSON.stringify(image)} is not an image reference: give registry/repository without a scheme, e.g. "ghcr.io/org/webapp"`);
    }
    const lastSegment = image.slice(image.lastIndexOf('/') + 1);
    if (image.includes('@') || lastSegment.includes(':')) {
      throw new Error(`ImageRepository ${this.node.path} image ${JSON.stringify(image)} has a tag or digest, but Flux scans all tags of the repository: remove it, e.g. "${image.split('@')[0].replace(/:[^/:]*$/, '')}"`);
    }
    this.apiObject = new ImageRepositoryL1(this, 'Resource', {
      metadata: sourceMetadata(this, props.metadata),
      spec: {
        image,
        interval: fluxDuration(`ImageRepository ${this.node.path} interval`, props.interval ?? Duration.minutes(10)),
        secretRef: props.secretRef ? { name: props.secretRef.name } : undefined,
        provider: props.provider as string as ImageRepositorySpecProvider | undefined,
      },
    });
    this.name = this.apiObject.name;
  }
}
