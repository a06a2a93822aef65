import { ApiObject, ApiObjectMetadata, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { GitRepository as GitRepositoryL1, GitRepositorySpecRef } from './imports/source.toolkit.fluxcd.io';
import { fluxDuration } from './private/flux-duration';
import { checkObjectsAtSynth, sourceMetadata } from './private/object-names';
import { assertNotBlank, assertStructKeys, structKeys } from './private/validation';

/** Options of `GitRef.commit()`. */
export interface GitCommitOptions {
  /**
   * Branch to shallow-clone; the commit must be on it.
   *
   * @default - a full clone of the default branch
   */
  readonly branch?: string;
}

/**
 * The Git reference a GitRepository checks out (Flux `spec.ref`). If several are combined in
 * Flux, commit wins over name, semver, tag and branch; here each factory sets exactly one.
 */
export class GitRef {
  /** The head of a branch. */
  public static branch(name: string): GitRef {
    return new GitRef('branch', { branch: name }, name);
  }

  /** A tag. */
  public static tag(name: string): GitRef {
    return new GitRef('tag', { tag: name }, name);
  }

  /** The latest tag matching a SemVer range, e.g. `>=1.0.0 <2.0.0`. */
  public static semver(range: string): GitRef {
    return new GitRef('semver', { semver: range }, range);
  }

  /** A commit SHA. */
  public static commit(sha: string, options: GitCommitOptions = {}): GitRef {
    if (typeof sha !== 'string' || !/^[0-9a-f]{7,64}$/.test(sha)) {
      throw new Error(`GitRef.commit(${JSON.stringify(sha)}) is not a commit SHA: give 7 to 64 lowercase hex digits`);
    }
    assertNotBlank('GitRef.commit() branch', options.branch);
    return new GitRef('commit', { commit: sha, branch: options.branch }, sha);
  }

  /** A full Git reference name, e.g. `refs/pull/420/head`. */
  public static refName(name: string): GitRef {
    if (typeof name !== 'string' || !name.startsWith('refs/')) {
      throw new Error(`GitRef.refName(${JSON.stringify(name)}) is not a full reference name: use e.g. 'refs/heads/main' or GitRef.branch('main')`);
    }
    return new GitRef('name', { name }, name);
  }

  private constructor(kind: string, private readonly spec: GitRepositorySpecRef, value: string) {
    if (typeof value !== 'string' || value.trim() === '') {
      throw new Error(`GitRef.${kind}(${JSON.stringify(value)}) is empty: give a ${kind}`);
    }
  }

  /** @internal */
  public _toSpec(): GitRepositorySpecRef {
    return { ...this.spec };
  }
}

/** Props of `GitRepository`. */
export interface GitRepositoryProps {
  /** Repository URL: `https://`, `http://` or `ssh://` (e.g. `ssh://git@github.com/org/repo`). */
  readonly url: string;
  /**
   * What to check out.
   *
   * @default - Flux's default, the `master` branch
   */
  readonly ref?: GitRef;
  /**
   * How often Flux polls the repository; webhooks make changes arrive sooner.
   *
   * @default Duration.minutes(10)
   */
  readonly interval?: Duration;
  /**
   * Secret with credentials: `username`/`password` or `bearerToken` for https, `identity` and
   * `known_hosts` for ssh.
   *
   * @default - none (public repository)
   */
  readonly secretRef?: kplus.ISecret;
  /**
   * Metadata of the object.
   *
   * @default - the construct id as the name when it is a valid object name (lowercase letters,
   * digits, '-' and '.'), else a generated name; in the chart's namespace
   */
  readonly metadata?: ApiObjectMetadata;
}

const GIT_REPOSITORY_PROPS_KEYS = structKeys<GitRepositoryProps>()({ url: true, ref: true, interval: true, secretRef: true, metadata: true });

/**
 * A Flux `source.toolkit.fluxcd.io/v1` GitRepository: the source a receiver usually reconciles.
 * Pass it to `ReconcileTarget.fromApiObject()`.
 *
 * Its name is `metadata.name` if given, else the construct id when that is a valid object name
 * (`new GitRepository(chart, 'webapp', …)` is GitRepository `webapp`, as `flux reconcile source
 * git webapp` expects), else a name cdk8s generates from the construct path. A repository that
 * already exists in the cluster needs no construct: `ReconcileTarget.gitRepository('webapp')`.
 */
export class GitRepository extends Construct {
  /** The generated L1 (the default child, id `Resource`). */
  public readonly apiObject: ApiObject;
  /** Name of the GitRepository. */
  public readonly name: string;

  public constructor(scope: Construct, id: string, props: GitRepositoryProps) {
    super(scope, id);
    assertStructKeys(`GitRepository ${this.node.path}: props`, props, GIT_REPOSITORY_PROPS_KEYS);
    checkObjectsAtSynth(this);
    if (typeof props.url !== 'string' || !/^(http|https|ssh):\/\/\S+$/.test(props.url)) {
      throw new Error(`GitRepository ${this.node.path} url ${JSON.stringify(props.url)} must start with https://, http:// or ssh://: for scp-like addresses write ssh://git@github.com/org/repo`);
    }
    this.apiObject = new GitRepositoryL1(this, 'Resource', {
      metadata: sourceMetadata(this, props.metadata),
      spec: {
        url: props.url,
        interval: fluxDuration(`GitRepository ${this.node.path} interval`, props.interval ?? Duration.minutes(10)),
        ref: props.ref?._toSpec(),
        secretRef: props.secretRef ? { name: props.secretRef.name } : undefined,
      },
    });
    this.name = this.apiObject.name;
  }
}
