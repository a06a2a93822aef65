import { EVENT_FILTERING_TYPES, isExtensionReceiverType } from './model';
import { assertOidcExpression } from './private/cel-check';
import { checkEventNames } from './private/sender-events';
import { assertKnownKeys, assertNoOptions, assertNotBlank, assertStructKeys, structKeys } from './private/validation';
import { ReceiverType } from './receiver-type';

/** Options of providers that send an event header Flux can filter on. */
export interface ReceiverEventsOptions {
  /**
   * Allow-list of event types to act on (Flux `spec.events`), compared case-insensitively with
   * the provider's event header; requests with any other event are refused (HTTP 400).
   *
   * @example ['ping', 'push']
   * @default - every event triggers a reconciliation
   */
  readonly events?: string[];

  /**
   * Accept event names outside the sender's documented list (GitHub's `X-GitHub-Event` names
   * including Gitea's, GitLab's `X-Gitlab-Event`, Bitbucket Cloud's and Server's `X-Event-Key`;
   * CDEvents' `Ce-Type` is free-form and never checked). Without it, a name the sender never
   * sends (e.g. `pull-request` for `pull_request`) is refused with a suggestion.
   *
   * @default false
   */
  readonly allowUnknownEvents?: boolean;
}

/** Options of `ReceiverProvider.github()`. */
export interface GitHubProviderOptions extends ReceiverEventsOptions {}
/** Options of `ReceiverProvider.gitlab()`. */
export interface GitLabProviderOptions extends ReceiverEventsOptions {}
/** Options of `ReceiverProvider.bitbucket()`. */
export interface BitbucketProviderOptions extends ReceiverEventsOptions {}
/** Options of `ReceiverProvider.cdevents()`. */
export interface CdEventsProviderOptions extends ReceiverEventsOptions {}
/** Options of `ReceiverProvider.gitea()`. */
export interface GiteaProviderOptions extends ReceiverEventsOptions {}

/** A named CEL expression over the token claims, available to later expressions as `vars.<name>`. */
export interface OidcVariable {
  /** Variable name; a CEL identifier. */
  readonly name: string;
  /** CEL expression; may read `claims` and variables defined before it. */
  readonly expression: string;
}

const OIDC_VARIABLE_KEYS = structKeys<OidcVariable>()({ name: true, expression: true });

/** A CEL condition every accepted token must satisfy. */
export interface OidcValidation {
  /**
   * CEL expression returning a bool, over `claims` and `vars`.
   *
   * @example "claims.repository_owner == 'my-org'"
   */
  readonly expression: string;
  /** Message returned to the caller when the expression is false. */
  readonly message: string;
}

const OIDC_VALIDATION_KEYS = structKeys<OidcValidation>()({ expression: true, message: true });

/** An OIDC issuer whose ID tokens a `generic-oidc` receiver accepts (Flux `spec.oidcProviders[]`). */
export interface OidcIssuer {
  /**
   * Issuer URL; must equal the token's `iss` claim and serve OIDC discovery. Must be https.
   *
   * @example 'https://token.actions.githubusercontent.com'
   */
  readonly issuerUrl: string;
  /**
   * Expected `aud` claim.
   *
   * @default 'notification-controller'
   */
  readonly audience?: string;
  /**
   * Named CEL expressions evaluated in order before the validations.
   *
   * @default - none
   */
  readonly variables?: OidcVariable[];
  /**
   * Conditions on the claims; all must hold. At least one is required: a valid signature alone
   * only proves that the public issuer issued the token to someone. Variables and validations
   * are compiled when the provider is made, as the server compiles them.
   */
  readonly validations: OidcValidation[];
}

const OIDC_ISSUER_KEYS = structKeys<OidcIssuer>()({ issuerUrl: true, audience: true, variables: true, validations: true });

/** Options of `ReceiverProvider.genericOidc()`. */
export interface GenericOidcProviderOptions {
  /** The issuers whose tokens are accepted; at least one. */
  readonly issuers: OidcIssuer[];
}

/** Options of `ReceiverProvider.of()`. */
export interface ReceiverProviderOptions extends ReceiverEventsOptions {
  /**
   * OIDC issuers; only for `ReceiverType.GENERIC_OIDC`, which requires them.
   *
   * @default - none
   */
  readonly issuers?: OidcIssuer[];
}

const CEL_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Who sends the webhook (Flux `spec.type`) and the provider-specific settings: the event
 * allow-list for providers with an event header, OIDC issuers for `generic-oidc`.
 *
 * Every provider except `generic-oidc` needs a Secret with a `token` key (pass it as the
 * receiver's `secret`); the webhook path is `/hook/sha256(token + name + namespace)`.
 */
export class ReceiverProvider {
  /** `generic`: anyone who knows the secret webhook path. */
  public static generic(): ReceiverProvider {
    assertNoOptions('ReceiverProvider.generic()', arguments, 'generic receivers do not filter events');
    return new ReceiverProvider(ReceiverType.GENERIC);
  }

  /** `generic-hmac`: the body must be signed with the Secret's `token` in `X-Signature`. */
  public static genericHmac(): ReceiverProvider {
    assertNoOptions('ReceiverProvider.genericHmac()', arguments, 'generic-hmac receivers do not filter events');
    return new ReceiverProvider(ReceiverType.GENERIC_HMAC);
  }

  /**
   * `generic-oidc`: the caller sends an OIDC ID token as `Authorization: Bearer`; it must be
   * issued by one of `issuers`, carry the expected audience and pass every validation.
   * No Secret: the webhook path is computable from the receiver's name and namespace.
   */
  public static genericOidc(options: GenericOidcProviderOptions): ReceiverProvider {
    assertKnownKeys('ReceiverProvider.genericOidc()', options, ['issuers'], 'generic-oidc receivers take only issuers (they do not filter events)');
    return new ReceiverProvider(ReceiverType.GENERIC_OIDC, undefined, options?.issuers ?? []);
  }

  /**
   * `github` (also Gitea and Forgejo): `X-Hub-Signature-256` HMAC with the Secret's `token`;
   * `X-GitHub-Event` is matched against `events`.
   */
  public static github(options: GitHubProviderOptions = {}): ReceiverProvider {
    return ReceiverProvider.withEvents(ReceiverType.GITHUB, 'ReceiverProvider.github()', options);
  }

  /** `gitlab`: `X-Gitlab-Token` must equal the Secret's `token`; `X-Gitlab-Event` is matched against `events`. */
  public static gitlab(options: GitLabProviderOptions = {}): ReceiverProvider {
    return ReceiverProvider.withEvents(ReceiverType.GITLAB, 'ReceiverProvider.gitlab()', options);
  }

  /**
   * `bitbucket` (Cloud and Server / Data Center): `X-Hub-Signature` HMAC with the Secret's
   * `token`; `X-Event-Key` is matched against `events`.
   */
  public static bitbucket(options: BitbucketProviderOptions = {}): ReceiverProvider {
    return ReceiverProvider.withEvents(ReceiverType.BITBUCKET, 'ReceiverProvider.bitbucket()', options);
  }

  /** `cdevents`: a CDEvents payload; the `Ce-Type` header is matched against `events`. */
  public static cdevents(options: CdEventsProviderOptions = {}): ReceiverProvider {
    return ReceiverProvider.withEvents(ReceiverType.CDEVENTS, 'ReceiverProvider.cdevents()', options);
  }

  /** `harbor`: the `Authorization` header must equal the Secret's `token`. */
  public static harbor(): ReceiverProvider {
    assertNoOptions('ReceiverProvider.harbor()', arguments, 'harbor receivers have no event header, so Flux ignores events');
    return new ReceiverProvider(ReceiverType.HARBOR);
  }

  /** `dockerhub`: Docker Hub push notifications. */
  public static dockerhub(): ReceiverProvider {
    assertNoOptions('ReceiverProvider.dockerhub()', arguments, 'dockerhub receivers have no event header, so Flux ignores events');
    return new ReceiverProvider(ReceiverType.DOCKERHUB);
  }

  /** `quay`: Quay repository push notifications. */
  public static quay(): ReceiverProvider {
    assertNoOptions('ReceiverProvider.quay()', arguments, 'quay receivers have no event header, so Flux ignores events');
    return new ReceiverProvider(ReceiverType.QUAY);
  }

  /**
   * `gcr`: Google Container Registry / Artifact Registry notifications through a Pub/Sub push
   * subscription, authenticated by Google's signed ID token.
   *
   * The Secret must hold three keys: `token`, `email` (the IAM service account the push
   * subscription uses) and `audience` (the audience configured on the subscription). Flux v1.9
   * rejects a gcr receiver whose Secret lacks `email` or `audience`.
   */
  public static gcr(): ReceiverProvider {
    assertNoOptions('ReceiverProvider.gcr()', arguments, 'gcr receivers read email and audience from the Secret, and have no event header');
    return new ReceiverProvider(ReceiverType.GCR);
  }

  /** `nexus`: `X-Nexus-Webhook-Signature` HMAC-SHA1 with the Secret's `token`. */
  public static nexus(): ReceiverProvider {
    assertNoOptions('ReceiverProvider.nexus()', arguments, 'nexus receivers have no event header, so Flux ignores events');
    return new ReceiverProvider(ReceiverType.NEXUS);
  }

  /** `acr`: Azure Container Registry push notifications. */
  public static acr(): ReceiverProvider {
    assertNoOptions('ReceiverProvider.acr()', arguments, 'acr receivers have no event header, so Flux ignores events');
    return new ReceiverProvider(ReceiverType.ACR);
  }

  // Extensions: served by the bundled server only (WebhookReceiver); FluxReceivers refuses them.

  /**
   * `gitea` (extension, `WebhookReceiver` only): Gitea's and Forgejo's native headers:
   * `X-Gitea-Signature` / `X-Forgejo-Signature` (hex HMAC-SHA256 of the body with the Secret's
   * `token`); `X-Gitea-Event` / `X-Forgejo-Event` is matched against `events`.
   * `ReceiverProvider.github()` also serves Gitea and Forgejo, through their GitHub-style headers.
   */
  public static gitea(options: GiteaProviderOptions = {}): ReceiverProvider {
    return ReceiverProvider.withEvents(ReceiverType.GITEA, 'ReceiverProvider.gitea()', options);
  }

  /**
   * `azure-devops` (extension, `WebhookReceiver` only): Azure DevOps service hooks ("Web Hooks").
   * Set the Secret's `token` as the basic authentication password (any username), or add the
   * HTTP header line `X-Webhook-Token:<token>`. The body is not signed by Azure DevOps.
   */
  public static azureDevOps(): ReceiverProvider {
    assertNoOptions('ReceiverProvider.azureDevOps()', arguments, 'azure-devops receivers have no event header; filter on req.eventType with a resourceFilter');
    return new ReceiverProvider(ReceiverType.AZURE_DEVOPS);
  }

  /**
   * `standard-webhooks` (extension, `WebhookReceiver` only): senders following the Standard
   * Webhooks specification. The Secret's `token` is the signing secret (base64, optionally
   * prefixed with `whsec_`); `webhook-signature` must hold a matching `v1` HMAC-SHA256 of
   * `<webhook-id>.<webhook-timestamp>.<body>`, and `webhook-timestamp` must be within 5 minutes
   * of the server's clock.
   */
  public static standardWebhooks(): ReceiverProvider {
    assertNoOptions('ReceiverProvider.standardWebhooks()', arguments, 'standard-webhooks receivers have no event header');
    return new ReceiverProvider(ReceiverType.STANDARD_WEBHOOKS);
  }

  /**
   * Any receiver type, with the same checks as the typed factories: `events` only for types
   * with an event header (github, gitlab, bitbucket, cdevents), `issuers` only (and always) for
   * generic-oidc.
   */
  public static of(type: ReceiverType, options: ReceiverProviderOptions = {}): ReceiverProvider {
    const factory = `ReceiverProvider.of(${JSON.stringify(type)})`;
    if (!Object.values(ReceiverType).includes(type)) {
      throw new Error(`${factory}: unknown receiver type ${JSON.stringify(type)}: use one of ${Object.values(ReceiverType).join(', ')}`);
    }
    assertKnownKeys(factory, options, ['events', 'allowUnknownEvents', 'issuers'], 'only events, allowUnknownEvents and issuers are receiver provider options');
    if (type === ReceiverType.GENERIC_OIDC) {
      assertKnownKeys(factory, options, ['issuers'], 'generic-oidc receivers do not filter events');
      return new ReceiverProvider(type, undefined, options.issuers ?? []);
    }
    if (options.issuers !== undefined) {
      throw new Error(`${factory}: issuers ${JSON.stringify(options.issuers.map((i) => i?.issuerUrl))} can only be set for generic-oidc receivers: remove issuers, or use ReceiverProvider.genericOidc()`);
    }
    if ((EVENT_FILTERING_TYPES as readonly string[]).includes(type)) {
      return ReceiverProvider.withEvents(type, factory, options);
    }
    if (options.allowUnknownEvents !== undefined) {
      throw new Error(`${factory}: allowUnknownEvents is meaningless for ${type} receivers, which have no event header: remove it (only ${EVENT_FILTERING_TYPES.join(', ')} filter events)`);
    }
    if (options.events !== undefined) {
      throw new Error(`${factory}: events ${JSON.stringify(options.events)} are ignored by ${type} receivers, which have no event header: remove events (only ${EVENT_FILTERING_TYPES.join(', ')} filter events)`);
    }
    return new ReceiverProvider(type);
  }

  private static withEvents(type: ReceiverType, factory: string, options: ReceiverEventsOptions): ReceiverProvider {
    assertKnownKeys(factory, options, ['events', 'allowUnknownEvents'], `${type} receivers take only events and allowUnknownEvents`);
    const events = options?.events;
    if (events !== undefined) {
      if (!Array.isArray(events)) {
        throw new Error(`${factory}: events must be a list of event names, got ${JSON.stringify(events)}: e.g. ['push']`);
      }
      for (const e of events) {
        if (typeof e !== 'string' || e.trim() === '') {
          throw new Error(`${factory}: event ${JSON.stringify(e)} in ${JSON.stringify(events)} is empty: give event names such as 'push'`);
        }
      }
      checkEventNames(factory, type, events, options.allowUnknownEvents === true);
    }
    return new ReceiverProvider(type, events ? [...events] : undefined);
  }

  /** The Flux receiver type (`spec.type`). */
  public readonly type: ReceiverType;

  /** Whether the type is an extension of the bundled server (no Flux Receiver type): `WebhookReceiver` only. */
  public get isExtension(): boolean {
    return isExtensionReceiverType(this.type);
  }

  private readonly eventAllowList?: string[];
  private readonly issuers: OidcIssuer[];

  private constructor(type: ReceiverType, events?: string[], issuers: OidcIssuer[] = []) {
    this.type = type;
    this.eventAllowList = events;
    this.issuers = issuers;
    if (type === ReceiverType.GENERIC_OIDC) validateIssuers(issuers);
  }

  /** The event allow-list (`spec.events`); empty when every event is accepted. */
  public get events(): string[] {
    return [...(this.eventAllowList ?? [])];
  }

  /** Whether a receiver of this provider needs a Secret (every type except generic-oidc). */
  public get requiresSecret(): boolean {
    return this.type !== ReceiverType.GENERIC_OIDC;
  }

  /** @internal */
  public _eventsSpec(): string[] | undefined {
    return this.eventAllowList && this.eventAllowList.length > 0 ? [...this.eventAllowList] : undefined;
  }

  /** @internal The issuers as Flux `spec.oidcProviders`, or undefined when not generic-oidc. */
  public _oidcProvidersSpec(): { issuerUrl: string; audience?: string; variables?: OidcVariable[]; validations: OidcValidation[] }[] | undefined {
    if (this.type !== ReceiverType.GENERIC_OIDC) return undefined;
    return this.issuers.map((i) => ({
      issuerUrl: i.issuerUrl,
      audience: i.audience,
      variables: i.variables && i.variables.length > 0 ? i.variables.map((v) => ({ name: v.name, expression: v.expression })) : undefined,
      validations: i.validations.map((v) => ({ expression: v.expression, message: v.message })),
    }));
  }
}

function validateIssuers(issuers: OidcIssuer[]): void {
  const where = 'ReceiverProvider.genericOidc()';
  if (!Array.isArray(issuers) || issuers.length === 0) {
    throw new Error(`${where}: issuers ${JSON.stringify(issuers)} is empty: give at least one issuer, e.g. { issuerUrl: 'https://token.actions.githubusercontent.com', validations: [...] }`);
  }
  const seen = new Set<string>();
  issuers.forEach((issuer, i) => {
    assertStructKeys(`${where}: issuers[${i}]`, issuer, OIDC_ISSUER_KEYS);
    (issuer?.variables ?? []).forEach((v, j) => assertStructKeys(`${where}: issuers[${i}].variables[${j}]`, v, OIDC_VARIABLE_KEYS));
    (Array.isArray(issuer?.validations) ? issuer.validations : []).forEach((v, j) => assertStructKeys(`${where}: issuers[${i}].validations[${j}]`, v, OIDC_VALIDATION_KEYS));
  });
  for (const issuer of issuers) {
    const url = issuer?.issuerUrl;
    if (typeof url !== 'string' || url.trim() === '') {
      throw new Error(`${where}: issuerUrl ${JSON.stringify(url)} is empty: give the issuer's https URL, exactly as in the tokens' iss claim`);
    }
    let parsed: URL | undefined;
    try {
      parsed = new URL(url);
    } catch {
      parsed = undefined;
    }
    if (!parsed || parsed.protocol !== 'https:' || !parsed.host) {
      throw new Error(`${where}: issuerUrl ${JSON.stringify(url)} is not an https URL: OIDC discovery and key fetching must use https, e.g. 'https://token.actions.githubusercontent.com'`);
    }
    if (seen.has(url)) {
      throw new Error(`${where}: issuerUrl ${JSON.stringify(url)} is listed twice: merge the validations into one issuer`);
    }
    seen.add(url);
    assertNotBlank(`${where}: audience of ${url}`, issuer.audience);
    for (const v of issuer.variables ?? []) {
      if (typeof v?.name !== 'string' || !CEL_IDENTIFIER.test(v.name)) {
        throw new Error(`${where}: variable name ${JSON.stringify(v?.name)} of ${url} is not a CEL identifier: use letters, digits and '_', not starting with a digit`);
      }
      if (typeof v.expression !== 'string' || v.expression.trim() === '') {
        throw new Error(`${where}: variable ${JSON.stringify(v.name)} of ${url} has an empty expression ${JSON.stringify(v.expression)}: give a CEL expression over claims`);
      }
      assertOidcExpression(`${where}: variable ${JSON.stringify(v.name)} of ${url}: expression`, v.expression, false);
    }
    if (!Array.isArray(issuer.validations) || issuer.validations.length === 0) {
      throw new Error(`${where}: issuer ${url} has no validations (${JSON.stringify(issuer.validations)}): a signature alone accepts any token the issuer signs for anyone; add e.g. { expression: "claims.repository_owner == 'my-org'", message: 'wrong owner' }`);
    }
    for (const v of issuer.validations) {
      if (typeof v?.expression !== 'string' || v.expression.trim() === '') {
        throw new Error(`${where}: a validation of ${url} has an empty expression ${JSON.stringify(v?.expression)}: give a CEL expression returning a bool`);
      }
      if (typeof v.message !== 'string' || v.message.trim() === '') {
        throw new Error(`${where}: validation ${JSON.stringify(v.expression)} of ${url} has an empty message ${JSON.stringify(v.message)}: say what the caller got wrong`);
      }
      assertOidcExpression(`${where}: validation ${JSON.stringify(v.message)} of ${url}: expression`, v.expression, true);
    }
  }
}
