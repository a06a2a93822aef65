import { ApiObject, ApiObjectMetadata, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { OciRepository as OciRepositoryL1, OciRepositorySpecProvider, OciRepositorySpecRef } from './imports/source.toolkit.fluxcd.io';
import { fluxDuration } from './private/flux-duration';
import { checkObjectsAtSynth, sourceMetadata } from './private/object-names';
import { assertStructKeys, structKeys } from './private/validation';
import { RegistryProvider } from './registry-provider';

/** The artifact version an OCIRepository pulls (Flux `spec.ref`). */
export class OciRef {
  /** A tag, e.g. `latest` or `1.2.3`. */
  public static tag(tag: string): OciRef {
    return new OciRef('tag', { tag }, tag);
  }

  /** The highest tag matching a SemVer range, e.g. `>=1.0.0 <2.0.0`. */
  public static semver(range: string): OciRef {
    return new OciRef('semver', { semver: range }, range);
  }

  /** An exact digest, e.g. `sha256:…`. */
  public static digest(digest: string): OciRef {
    if (typeof digest !== 'string' || !/^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/.test(digest)) {
      throw new Error(`OciRef.digest(${JSON.stringify(digest)}) is not a digest: give algorithm:hex, e.g. "sha256:" followed by 64 hex digits`);
    }
    return new OciRef('digest', { digest }, digest);
  }

  private constructor(kind: string, private readonly spec: OciRepositorySpecRef, value: string) {
    if (typeof value !== 'string' || value.trim() === '') {
      throw new Error(`OciRef.${kind}(${JSON.stringify(value)}) is empty: give a ${kind}`);
    }
  }

  /** @internal */
  public _toSpec(): OciRepositorySpecRef {
    return { ...this.spec };
  }
}

/** Props of `OciRepository`. */
export interface OciRepositoryProps {
  /** Artifact repository, `oci://` followed by registry and repository, e.g. `oci://ghcr.io/org/manifests`. */
  readonly url: string;
  /**
   * Which version to pull.
   *
   * @default - Flux's default, the `latest` tag
   */
  readonly ref?: OciRef;
  /**
   * How often Flux checks for a new artifact; webhooks make new versions arrive sooner.
   *
   * @default Duration.minutes(10)
   */
  readonly interval?: Duration;
  /**
   * Secret of type `kubernetes.io/dockerconfigjson` with registry credentials.
   *
   * @default - none (public artifact, or `provider` credentials)
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

const OCI_REPOSITORY_PROPS_KEYS = structKeys<OciRepositoryProps>()({
  url: true, ref: true, interval: true, secretRef: true, provider: true, metadata: true,
});

/**
 * A Flux `source.toolkit.fluxcd.io/v1` OCIRepository: an OCI artifact (e.g. manifests pushed with
 * `flux push artifact`), which a registry webhook asks Flux to pull at once. Pass it to
 * `ReconcileTarget.fromApiObject()`.
 *
 * Its name is `metadata.name` if given, else the construct id when that is a valid object name
 * (what `flux reconcile source oci <name>` takes), else a name cdk8s generates.
 *
 * @see https://fluxcd.io/flux/components/source/ocirepositories/
 */
export class OciRepository extends Construct {
  /** The generated L1 (the default child, id `Resource`). */
  public readonly apiObject: ApiObject;
  /** Name of the OCIRepository. */
  public readonly name: string;

  public constructor(scope: Construct, id: string, props: OciRepositoryProps) {
    super(scope, id);
    assertStructKeys(`OciRepository ${this.node.path}: props`, props, OCI_REPOSITORY_PROPS_KEYS);
    checkObjectsAtSynth(this);
    if (typeof props.url !== 'string' || !/^oci:\/\/[^\s/]+\/\S+$/.test(props.url)) {
      throw new Error(`OciRepository ${this.node.path} url ${JSON.stringify(props.url)} must be oci://<registry>/<repository>, e.g. "oci://ghcr.io/org/manifests"`);
    }
    const lastSegment = props.url.slice(props.url.lastIndexOf('/') + 1);
    if (props.url.includes('@') || lastSegment.includes(':')) {
      throw new Error(`OciRepository ${this.node.path} url ${JSON.stringify(props.url)} has a tag or digest: remove it and choose the version with ref (OciRef.tag(), OciRef.semver(), OciRef.digest())`);
    }
    this.apiObject = new OciRepositoryL1(this, 'Resource', {
      metadata: sourceMetadata(this, props.metadata),
      spec: {
        url: props.url,
        interval: fluxDuration(`OciRepository ${this.node.path} interval`, props.interval ?? Duration.minutes(10)),
        ref: props.ref?._toSpec(),
        secretRef: props.secretRef ? { name: props.secretRef.name } : undefined,
        provider: props.provider as string as OciRepositorySpecProvider | undefined,
      },
    });
    this.name = this.apiObject.name;
  }
}
