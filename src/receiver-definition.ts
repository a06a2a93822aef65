import { ApiObject, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { ReceiverProps, ReceiverSpecResourcesKind, ReceiverSpecType, Receiver as ReceiverL1 } from './imports/notification.toolkit.fluxcd.io';
import { hookPath, RATE_LIMIT_ANNOTATION, REGISTER_TYPES, SENDER_REPOSITORY_ANNOTATION, senderRepositoryProblem } from './model';
import { assertCelFilter } from './private/cel-check';
import { fluxDuration } from './private/flux-duration';
import { checkSecretKeysAtSynth } from './private/secret-keys';
import { assertNamespaceName, assertNotBlank, assertObjectName } from './private/validation';
import { checkVerificationKeys, verificationKeysAnnotations } from './private/verification-keys-prop';
import { RateLimit } from './rate-limit';
import { ReceiverProvider } from './receiver-provider';
import { ReceiverType } from './receiver-type';
import { ReconcileTarget } from './reconcile-target';

/** What a receiver accepts and what it reconciles; the options of `addReceiver()`. */
export interface ReceiverOptions {
  /** Who sends the webhook, e.g. `ReceiverProvider.github({ events: ['push'] })`. */
  readonly provider: ReceiverProvider;
  /**
   * Secret in the receiver's namespace holding the `token` key (for `gcr` also `email` and
   * `audience`). The token authenticates requests (HMAC key or shared token, depending on the
   * provider) and is part of the webhook path. Required for every provider except
   * generic-oidc, which must not have one.
   *
   * @default - none (only valid for generic-oidc)
   */
  readonly secret?: kplus.ISecret;
  /** The Flux objects to reconcile when a valid webhook arrives (Flux `spec.resources`); at least one. */
  readonly targets: ReconcileTarget[];
  /**
   * CEL expression returning a bool, evaluated for every object of every target; objects for
   * which it is false are not reconciled (Flux `spec.resourceFilter`). Reads `res`, `req`
   * (and `claims` for generic-oidc). Compiled when the receiver is added, as the server compiles
   * it: an expression that does not parse, type-check or return a bool throws.
   *
   * @default - no filter
   */
  readonly resourceFilter?: string;
  /**
   * Stop handling webhooks (they get HTTP 503) without deleting the receiver.
   *
   * @default false
   */
  readonly suspend?: boolean;
  /**
   * How often Flux re-reads the Secret and recomputes the webhook path (Flux `spec.interval`).
   * The bundled server watches the mounted Secret files instead and ignores it.
   *
   * @default - Flux's default, 10 minutes
   */
  readonly interval?: Duration;
  /**
   * Secret keys whose values verify deliveries (HMAC key or shared token), tried in this order,
   * so a sender's secret can be rotated without changing the URL: the webhook path stays derived
   * from `token`. List the old and the new key while senders switch, then only the new one
   * (`token` may be left out; it still derives the path). An extension of the bundled server
   * (`WebhookReceiver`), for github, gitlab, bitbucket, generic-hmac, harbor and nexus; refused
   * by `FluxReceivers`. See docs/server.md, "Token rotation without a URL change".
   *
   * @example ['token', 'token.next']
   * @default - only `token`, as in Flux
   */
  readonly verificationKeys?: string[];
  /**
   * Limit of verified deliveries for this receiver (an extension of the bundled server, written
   * as the Receiver annotation `cdk8s-flux-webhooks.io/rate-limit`); over it the sender gets 429
   * with `Retry-After`. `FluxReceivers` refuses it: notification-controller has no rate limit.
   *
   * @default - the server's default: `WebhookReceiverProps.rateLimit`, or `genericRateLimit` for generic receivers
   */
  readonly rateLimit?: RateLimit;
  /**
   * The repository whose webhook posts to this receiver, for `flux-webhook-receiver register`:
   * `owner/name` (GitLab: the project's full path). Needed only when no target is a
   * GitRepository on the sender's host, e.g. a receiver of package events whose targets are
   * ImageRepositories. Written as the Receiver annotation `cdk8s-flux-webhooks.io/sender-repository`,
   * which Flux and the server ignore; for github, gitlab, gitea and bitbucket receivers.
   *
   * @example 'org/webapp'
   * @default - `register` uses the repository of the GitRepository targets, or its --repository flag
   */
  readonly senderRepository?: string;
}

/** Props of a `ReceiverDefinition`. */
export interface ReceiverDefinitionProps extends ReceiverOptions {
  /** Name of the receiver (`metadata.name`); part of the webhook path. */
  readonly name: string;
  /** Namespace of the receiver (`metadata.namespace`); part of the webhook path. */
  readonly namespace: string;
}

/**
 * One Flux `notification.toolkit.fluxcd.io/v1` Receiver, validated when it is created. Both
 * backends render the same definition: `WebhookReceiver` writes it into its ConfigMap for the
 * bundled server, `FluxReceivers` emits it as a Receiver object for notification-controller.
 *
 * The webhook URL is `https://<host>/hook/<sha256(token + name + namespace)>`. The token is
 * not in the app, so compute the path where the Secret is: see `webhookPathCommand`.
 */
export class ReceiverDefinition {
  /** Name of the receiver. */
  public readonly name: string;
  /** Namespace of the receiver. */
  public readonly namespace: string;
  /** Who sends the webhook. */
  public readonly provider: ReceiverProvider;
  /** Name of the Secret holding the token; undefined for generic-oidc. */
  public readonly secretName?: string;
  /** CEL filter applied to every target object. */
  public readonly resourceFilter?: string;
  /** Whether the receiver is suspended. */
  public readonly suspend: boolean;
  /** `spec.interval` in Flux syntax, when set. */
  public readonly interval?: string;
  /** The Secret keys that verify deliveries, when not only `token`. */
  public readonly verificationKeys?: string[];
  /** The receiver's own rate limit, when set. */
  public readonly rateLimit?: RateLimit;
  /** The repository whose webhook posts to this receiver, when set. */
  public readonly senderRepository?: string;
  private readonly reconcileTargets: ReconcileTarget[];

  public constructor(props: ReceiverDefinitionProps) {
    assertObjectName('receiver name', props.name);
    assertNamespaceName(`receiver ${JSON.stringify(props.name)} namespace`, props.namespace);
    const what = `receiver ${JSON.stringify(props.name)}`;
    if (!(props.provider instanceof ReceiverProvider)) {
      throw new Error(`${what}: provider ${JSON.stringify(props.provider)} is not a ReceiverProvider: use e.g. ReceiverProvider.github()`);
    }
    const type = props.provider.type;
    if (props.secret && !props.provider.requiresSecret) {
      throw new Error(`${what}: secret ${JSON.stringify(props.secret.name)} cannot be given to a generic-oidc receiver, which authenticates by OIDC token: remove secret`);
    }
    if (!props.secret && props.provider.requiresSecret) {
      throw new Error(`${what}: ${type} receivers need a secret with a 'token' key${type === 'gcr' ? " (and 'email', 'audience')" : ''}: pass secret: kplus.Secret.fromSecretName(scope, 'token', '<secret-name>')`);
    }
    if (props.secret) {
      const secretNamespace = namespaceOf(props.secret);
      if (secretNamespace !== undefined && secretNamespace !== props.namespace) {
        throw new Error(`${what}: secret ${JSON.stringify(props.secret.name)} is in namespace ${JSON.stringify(secretNamespace)}, but a receiver can only read Secrets in its own namespace ${JSON.stringify(props.namespace)}: create the Secret there`);
      }
      if (secretNamespace === undefined && props.secret.node.defaultChild instanceof ApiObject) {
        throw new Error(unplaced(what, `secret ${JSON.stringify(props.secret.name)}`, props.secret.node.path, props.namespace));
      }
    }
    if (!Array.isArray(props.targets) || props.targets.length === 0) {
      throw new Error(`${what}: targets ${JSON.stringify(props.targets)} is empty: a webhook would reconcile nothing; pass e.g. targets: [ReconcileTarget.gitRepository('webapp')]`);
    }
    props.targets.forEach((t, i) => {
      if (!(t instanceof ReconcileTarget)) {
        throw new Error(`${what}: targets[${i}] ${JSON.stringify(t)} is not a ReconcileTarget: use e.g. ReconcileTarget.gitRepository('webapp')`);
      }
      if (t._unplacedPath !== undefined) throw new Error(unplaced(what, `targets[${i}] ${t.kind} ${JSON.stringify(t.name)}`, t._unplacedPath, props.namespace));
    });
    assertNotBlank(`${what} resourceFilter`, props.resourceFilter);
    if (props.rateLimit !== undefined) {
      if (!(props.rateLimit instanceof RateLimit)) {
        throw new Error(`${what}: rateLimit ${JSON.stringify(props.rateLimit)} is not a RateLimit: use e.g. RateLimit.perSecond(20, 200)`);
      }
      props.rateLimit._render(`${what} rateLimit`);
    }
    // Compiled as the server compiles them: `claims` exists only for generic-oidc.
    const claims = type === ReceiverType.GENERIC_OIDC;
    assertCelFilter(`${what}: resourceFilter`, props.resourceFilter, claims);
    props.targets.forEach((t, i) => assertCelFilter(`${what}: targets[${i}] ${t.kind} ${JSON.stringify(t.name)} filter`, t.filter, claims));
    this.name = props.name;
    this.namespace = props.namespace;
    this.provider = props.provider;
    this.secretName = props.secret?.name;
    this.resourceFilter = props.resourceFilter;
    this.suspend = props.suspend ?? false;
    this.interval = props.interval ? fluxDuration(`${what} interval`, props.interval) : undefined;
    this.verificationKeys = checkVerificationKeys(what, type, props.verificationKeys);
    this.rateLimit = props.rateLimit;
    this.senderRepository = checkSenderRepository(what, type, props.senderRepository);
    this.reconcileTargets = [...props.targets];
    // Last, so a receiver refused above leaves no check behind on the Secret.
    if (props.secret) checkSecretKeysAtSynth(props.name, type, props.secret, this.verificationKeys);
  }

  /** The objects this receiver reconciles. */
  public get targets(): ReconcileTarget[] {
    return [...this.reconcileTargets];
  }

  /**
   * The webhook path when it is not secret (generic-oidc: `/hook/sha256(name + namespace)`);
   * undefined for every other provider, whose path depends on the token.
   */
  public get webhookPath(): string | undefined {
    return this.secretName === undefined ? hookPath('', this.name, this.namespace) : undefined;
  }

  /**
   * A shell command that prints the webhook path (`/hook/<sha256>`) where kubectl can read the
   * receiver's Secret. It hashes the token bytes exactly as stored (a trailing newline counts),
   * followed by the receiver's name and namespace, like Flux. Prepend the URL of your exposure.
   * Portable: kubectl decodes the token, and `shasum -a 256` stands in where `sha256sum` is
   * missing (macOS). `flux-webhook-receiver url` prints whole URLs without a shell.
   */
  public get webhookPathCommand(): string {
    if (this.secretName === undefined) return `echo ${this.webhookPath}`;
    const suffix = shellQuote(this.name + this.namespace);
    return `echo "/hook/$({ kubectl -n ${this.namespace} get secret ${this.secretName} -o go-template='{{.data.token | base64decode}}'; printf '%s' ${suffix}; } | { sha256sum 2>/dev/null || shasum -a 256; } | cut -d' ' -f1)"`;
  }

  /** @internal The Receiver as props of the generated L1. */
  public _toReceiverProps(): ReceiverProps {
    const annotations = {
      ...(this.rateLimit ? { [RATE_LIMIT_ANNOTATION]: this.rateLimit.value } : {}),
      ...verificationKeysAnnotations(this.verificationKeys),
      ...(this.senderRepository ? { [SENDER_REPOSITORY_ANNOTATION]: this.senderRepository } : {}),
    };
    return {
      metadata: {
        name: this.name,
        namespace: this.namespace,
        // Only when set, so receivers without extensions render exactly as before.
        ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
      },
      spec: {
        type: this.provider.type as string as ReceiverSpecType,
        interval: this.interval,
        events: this.provider._eventsSpec(),
        resources: this.reconcileTargets.map((t) => {
          const spec = t._toSpec();
          return { ...spec, kind: spec.kind as ReceiverSpecResourcesKind };
        }),
        resourceFilter: this.resourceFilter,
        secretRef: this.secretName ? { name: this.secretName } : undefined,
        oidcProviders: this.provider._oidcProvidersSpec(),
        suspend: this.suspend ? true : undefined,
      },
    };
  }

  /** @internal The Receiver manifest (plain JSON, undefined fields dropped). */
  public _toManifest(): any {
    return ReceiverL1.manifest(this._toReceiverProps());
  }
}

/** An object of the app without a namespace lands wherever kubectl applies, not in the receiver's. */
function unplaced(what: string, field: string, path: string, namespace: string): string {
  return `${what}: ${field} (${path}) has no namespace, because neither it nor its chart names one, so kubectl would apply it to its current namespace, `
    + `while the receiver looks for it in ${JSON.stringify(namespace)}: give the chart a namespace (new Chart(app, id, { namespace: ${JSON.stringify(namespace)} })) or set the object's metadata.namespace`;
}

function namespaceOf(secret: kplus.ISecret): string | undefined {
  const child = secret.node.defaultChild;
  return child instanceof ApiObject ? child.metadata.namespace : undefined;
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, '\'\\\'\'')}'`;
}

/** The validated `senderRepository`; throws naming the receiver, the value and the fix. */
function checkSenderRepository(what: string, type: string, repository: string | undefined): string | undefined {
  if (repository === undefined) return undefined;
  const value = JSON.stringify(repository);
  if (typeof repository !== 'string') throw new Error(`${what}: senderRepository ${value} is not a string: pass e.g. senderRepository: 'org/webapp'`);
  if (!REGISTER_TYPES.includes(type)) {
    throw new Error(`${what}: senderRepository ${value} cannot be used with a ${type} receiver: register manages the hooks of ${REGISTER_TYPES.join(', ')}; remove senderRepository`);
  }
  const problem = senderRepositoryProblem(repository);
  if (problem !== undefined) throw new Error(`${what}: senderRepository ${value} ${problem}, e.g. senderRepository: 'org/webapp'`);
  return repository;
}
