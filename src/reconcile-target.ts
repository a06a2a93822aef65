import { ApiObject } from 'cdk8s';
import { IConstruct } from 'constructs';
import { CURRENT_API_VERSIONS, KIND_PLURALS, TARGET_KINDS, WILDCARD_NAME, splitApiVersion } from './model';
import { assertNamespaceName, assertNotBlank, assertObjectName, assertStructKeys, structKeys } from './private/validation';

/** The Flux kinds a receiver can ask to reconcile (Flux `spec.resources[].kind`). */
export enum ReconcileTargetKind {
  /** `source.toolkit.fluxcd.io/v1` GitRepository. */
  GIT_REPOSITORY = 'GitRepository',
  /** `source.toolkit.fluxcd.io/v1` OCIRepository. */
  OCI_REPOSITORY = 'OCIRepository',
  /** `source.toolkit.fluxcd.io/v1` HelmRepository. */
  HELM_REPOSITORY = 'HelmRepository',
  /** `source.toolkit.fluxcd.io/v1` HelmChart. */
  HELM_CHART = 'HelmChart',
  /** `source.toolkit.fluxcd.io/v1` Bucket. */
  BUCKET = 'Bucket',
  /** `source.toolkit.fluxcd.io/v1` ExternalArtifact. */
  EXTERNAL_ARTIFACT = 'ExternalArtifact',
  /** `source.extensions.fluxcd.io/v1beta1` ArtifactGenerator. */
  ARTIFACT_GENERATOR = 'ArtifactGenerator',
  /** `image.toolkit.fluxcd.io/v1` ImageRepository. */
  IMAGE_REPOSITORY = 'ImageRepository',
  /** `image.toolkit.fluxcd.io/v1` ImagePolicy. */
  IMAGE_POLICY = 'ImagePolicy',
  /** `image.toolkit.fluxcd.io/v1` ImageUpdateAutomation. */
  IMAGE_UPDATE_AUTOMATION = 'ImageUpdateAutomation',
  /** `kustomize.toolkit.fluxcd.io/v1` Kustomization. */
  KUSTOMIZATION = 'Kustomization',
  /** `helm.toolkit.fluxcd.io/v2` HelmRelease. */
  HELM_RELEASE = 'HelmRelease',
}

/** Options of a reconcile target. */
export interface ReconcileTargetOptions {
  /**
   * Namespace of the target object(s). Flux rejects a target in another namespace when the
   * receiver runs with `--no-cross-namespace-refs`.
   *
   * @default - the receiver's namespace
   */
  readonly namespace?: string;
  /**
   * CEL expression returning a bool, evaluated for each object this target matches; the object
   * is reconciled only if it (and the receiver's `resourceFilter`) returns true. It can read the
   * object's metadata as `res` and the request body as `req` (and `claims` for generic-oidc).
   * Compiled when the target is given to a receiver, as the server compiles it.
   *
   * @example "req.ref == 'refs/heads/main'"
   * @default - no filter
   */
  readonly filter?: string;
  /**
   * apiVersion of the target (`group/version`); always written to the Receiver.
   *
   * @default - the version Flux v2.9 serves for the kind, e.g. `source.toolkit.fluxcd.io/v1`
   */
  readonly apiVersion?: string;
}

const RECONCILE_TARGET_OPTIONS_KEYS = structKeys<ReconcileTargetOptions>()({ namespace: true, filter: true, apiVersion: true });

/** Options of `ReconcileTarget.fromApiObject()`. */
export interface ReconcileTargetFromApiObjectOptions {
  /**
   * CEL filter, as in `ReconcileTargetOptions.filter`.
   *
   * @default - no filter
   */
  readonly filter?: string;
}

/**
 * A Flux object (or a label-selected set of them) a receiver asks to reconcile, by setting its
 * `reconcile.fluxcd.io/requestedAt` annotation (Flux `spec.resources[]`). Usually a source
 * (GitRepository, OCIRepository, HelmRepository, Bucket, ImageRepository): the Kustomizations and
 * HelmReleases that use it follow.
 */
export class ReconcileTarget {
  /** A GitRepository by name. */
  public static gitRepository(name: string, options: ReconcileTargetOptions = {}): ReconcileTarget {
    return ReconcileTarget.byName(ReconcileTargetKind.GIT_REPOSITORY, name, options);
  }

  /** An OCIRepository by name. */
  public static ociRepository(name: string, options: ReconcileTargetOptions = {}): ReconcileTarget {
    return ReconcileTarget.byName(ReconcileTargetKind.OCI_REPOSITORY, name, options);
  }

  /** A HelmRepository by name. */
  public static helmRepository(name: string, options: ReconcileTargetOptions = {}): ReconcileTarget {
    return ReconcileTarget.byName(ReconcileTargetKind.HELM_REPOSITORY, name, options);
  }

  /** A HelmChart by name. */
  public static helmChart(name: string, options: ReconcileTargetOptions = {}): ReconcileTarget {
    return ReconcileTarget.byName(ReconcileTargetKind.HELM_CHART, name, options);
  }

  /** A Bucket by name. */
  public static bucket(name: string, options: ReconcileTargetOptions = {}): ReconcileTarget {
    return ReconcileTarget.byName(ReconcileTargetKind.BUCKET, name, options);
  }

  /** An ExternalArtifact by name. */
  public static externalArtifact(name: string, options: ReconcileTargetOptions = {}): ReconcileTarget {
    return ReconcileTarget.byName(ReconcileTargetKind.EXTERNAL_ARTIFACT, name, options);
  }

  /** An ArtifactGenerator by name. */
  public static artifactGenerator(name: string, options: ReconcileTargetOptions = {}): ReconcileTarget {
    return ReconcileTarget.byName(ReconcileTargetKind.ARTIFACT_GENERATOR, name, options);
  }

  /** An ImageRepository by name. */
  public static imageRepository(name: string, options: ReconcileTargetOptions = {}): ReconcileTarget {
    return ReconcileTarget.byName(ReconcileTargetKind.IMAGE_REPOSITORY, name, options);
  }

  /** An ImagePolicy by name. */
  public static imagePolicy(name: string, options: ReconcileTargetOptions = {}): ReconcileTarget {
    return ReconcileTarget.byName(ReconcileTargetKind.IMAGE_POLICY, name, options);
  }

  /** An ImageUpdateAutomation by name. */
  public static imageUpdateAutomation(name: string, options: ReconcileTargetOptions = {}): ReconcileTarget {
    return ReconcileTarget.byName(ReconcileTargetKind.IMAGE_UPDATE_AUTOMATION, name, options);
  }

  /** A Kustomization by name. */
  public static kustomization(name: string, options: ReconcileTargetOptions = {}): ReconcileTarget {
    return ReconcileTarget.byName(ReconcileTargetKind.KUSTOMIZATION, name, options);
  }

  /** A HelmRelease by name. */
  public static helmRelease(name: string, options: ReconcileTargetOptions = {}): ReconcileTarget {
    return ReconcileTarget.byName(ReconcileTargetKind.HELM_RELEASE, name, options);
  }

  /** One object of `kind`, by name. */
  public static byName(kind: ReconcileTargetKind, name: string, options: ReconcileTargetOptions = {}): ReconcileTarget {
    if (name === WILDCARD_NAME) {
      throw new Error(`ReconcileTarget ${kind} name ${JSON.stringify(name)} selects by labels: use ReconcileTarget.byLabels(ReconcileTargetKind.${enumKey(kind)}, { ... })`);
    }
    assertObjectName(`ReconcileTarget ${kind} name`, name);
    return new ReconcileTarget(kind, name, undefined, options);
  }

  /**
   * Every object of `kind` whose labels include all of `matchLabels` (Flux `name: '*'`). An
   * empty map selects every object of the kind in the namespace.
   */
  public static byLabels(kind: ReconcileTargetKind, matchLabels: { [key: string]: string }, options: ReconcileTargetOptions = {}): ReconcileTarget {
    if (matchLabels === null || typeof matchLabels !== 'object' || Array.isArray(matchLabels)) {
      throw new Error(`ReconcileTarget.byLabels(${kind}): matchLabels must be a map of label to value, got ${JSON.stringify(matchLabels)}`);
    }
    for (const [key, value] of Object.entries(matchLabels)) {
      if (typeof value !== 'string' || value.length > 63) {
        throw new Error(`ReconcileTarget.byLabels(${kind}): label ${JSON.stringify(key)} has value ${JSON.stringify(value)}: label values are strings of at most 63 characters`);
      }
    }
    return new ReconcileTarget(kind, WILDCARD_NAME, { ...matchLabels }, options);
  }

  /**
   * The Flux object defined by `obj` in this app: an ApiObject, or a construct whose default
   * child is one (e.g. `GitRepository`). Kind, apiVersion, name and namespace come from it.
   */
  public static fromApiObject(obj: IConstruct, options: ReconcileTargetFromApiObjectOptions = {}): ReconcileTarget {
    const apiObject = ApiObject.of(obj);
    const kind = apiObject.kind;
    if (!(TARGET_KINDS as readonly string[]).includes(kind)) {
      throw new Error(`ReconcileTarget.fromApiObject(${apiObject.node.path}): kind ${JSON.stringify(kind)} cannot be reconciled by a Flux receiver: use one of ${TARGET_KINDS.join(', ')}`);
    }
    const target = new ReconcileTarget(kind as ReconcileTargetKind, apiObject.name, undefined, {
      namespace: apiObject.metadata.namespace,
      apiVersion: apiObject.apiVersion,
      filter: options.filter,
    });
    if (apiObject.metadata.namespace === undefined) target._unplacedPath = apiObject.node.path;
    return target;
  }

  /** Kind of the target (`kind`). */
  public readonly kind: ReconcileTargetKind;
  /** apiVersion of the target (`apiVersion`). */
  public readonly apiVersion: string;
  /** Name of the target, or `*` when selected by labels. */
  public readonly name: string;
  /** Namespace of the target; undefined means the receiver's namespace. */
  public readonly namespace?: string;
  /** CEL filter of the target. */
  public readonly filter?: string;
  private readonly selectorLabels?: { [key: string]: string };

  /**
   * @internal construct path of the in-app object this target was made from, when that object
   * has no namespace (nor its chart): kubectl would put it wherever it applies to.
   */
  public _unplacedPath?: string;

  private constructor(kind: ReconcileTargetKind, name: string, matchLabels: { [key: string]: string } | undefined, options: ReconcileTargetOptions) {
    if (!(TARGET_KINDS as readonly string[]).includes(kind)) {
      throw new Error(`ReconcileTarget: kind ${JSON.stringify(kind)} cannot be reconciled by a Flux receiver: use one of ${TARGET_KINDS.join(', ')}`);
    }
    const what = `ReconcileTarget ${kind} ${JSON.stringify(name)}`;
    assertStructKeys(`${what} options`, options, RECONCILE_TARGET_OPTIONS_KEYS);
    if (options.namespace !== undefined) assertNamespaceName(`${what} namespace`, options.namespace);
    assertNotBlank(`${what} filter`, options.filter);
    const apiVersion = options.apiVersion ?? CURRENT_API_VERSIONS[kind];
    if (typeof apiVersion !== 'string' || !/^[a-z0-9.-]+\/[a-z0-9]+$/.test(apiVersion)) {
      throw new Error(`${what} apiVersion ${JSON.stringify(apiVersion)} is not group/version: e.g. ${CURRENT_API_VERSIONS[kind]}`);
    }
    this.kind = kind;
    this.name = name;
    this.apiVersion = apiVersion;
    this.namespace = options.namespace;
    this.filter = options.filter;
    this.selectorLabels = matchLabels;
  }

  /** Labels that select the targets when `name` is `*`. */
  public get matchLabels(): { [key: string]: string } | undefined {
    return this.selectorLabels ? { ...this.selectorLabels } : undefined;
  }

  /** @internal API group of the target, for RBAC. */
  public get _group(): string {
    return splitApiVersion(this.apiVersion).group;
  }

  /** @internal Plural resource name of the target, for RBAC. */
  public get _plural(): string {
    return KIND_PLURALS[this.kind];
  }

  /** @internal The Flux `spec.resources[]` entry. */
  public _toSpec(): { apiVersion: string; kind: string; name: string; namespace?: string; matchLabels?: { [key: string]: string }; filter?: string } {
    return {
      apiVersion: this.apiVersion,
      kind: this.kind,
      name: this.name,
      namespace: this.namespace,
      matchLabels: this.matchLabels,
      filter: this.filter,
    };
  }
}

function enumKey(kind: ReconcileTargetKind): string {
  return Object.entries(ReconcileTargetKind).find(([, v]) => v === kind)?.[0] ?? kind;
}
