// What `register` asks of a Git host's webhook API. Each sender (GitHub, GitLab, Gitea, Bitbucket
// Cloud) maps these calls onto its documented REST shapes; the plan (create / update / unchanged /
// remove) is made by the command, which knows no sender by name.

/** Where hooks live: a repository (project) or an organisation (group). */
export interface HookScope {
  readonly kind: 'repository' | 'organisation';
  /** `owner/name` (GitLab: the full project path) or the organisation (group path). */
  readonly path: string;
}

/** The hook a receiver needs: its URL, the secret the sender signs or sends with, and the events. */
export interface DesiredHook {
  readonly url: string;
  /** Never logged; sent only in the request body of a create or update. */
  readonly secret: string;
  /** Sender event names (GitHub `push`, GitLab `push_events`, Gitea `push`, Bitbucket `repo:push`). */
  readonly events: readonly string[];
}

/** A hook as the sender lists it; the stored secret is never shown by any sender. */
export interface ExistingHook {
  readonly id: string;
  readonly url: string;
  readonly events: readonly string[];
  /** What differs from a hook this command would create, apart from URL and events (content type, TLS checks, inactive, no secret set). */
  readonly settingsDiffer: readonly string[];
}

/** The answer to a test delivery the sender made on request. */
export interface TestAnswer {
  readonly ok: boolean;
  readonly text: string;
}

export interface SenderApi {
  /** `GitHub`, `GitLab`, `Gitea`, `Bitbucket`. */
  readonly name: string;
  /** Where its repositories are browsed (`github.com`): a GitRepository URL on this host names the repository. */
  readonly webHost: string;
  /** The events a receiver's `spec.events` ask for, in this sender's names; throws on an event it cannot send. */
  hookEvents(receiverEvents: readonly string[]): string[];
  list(scope: HookScope): Promise<ExistingHook[]>;
  create(scope: HookScope, hook: DesiredHook): Promise<ExistingHook>;
  update(scope: HookScope, id: string, hook: DesiredHook): Promise<void>;
  remove(scope: HookScope, id: string): Promise<void>;
  /**
   * Asks for a test delivery and returns what the receiver answered (`receiverEvents`: the
   * receiver's `spec.events`, which the test event must be among). Absent when the API offers none.
   */
  test?(scope: HookScope, id: string, receiverEvents: readonly string[]): Promise<TestAnswer>;
}

/** A refused or failed call, worded for a person; never holds the token or a hook URL's path. */
export class SenderError extends Error {}
