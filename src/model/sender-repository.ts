// The repository whose webhook posts to a receiver, for `flux-webhook-receiver register` when no
// target is a GitRepository on the sender's host (e.g. package events reconciling an
// ImageRepository). A Receiver annotation: Flux and the server ignore it.

/** Receiver annotation: `owner/name` (GitLab: the project's full path; Bitbucket: `workspace/slug`). */
export const SENDER_REPOSITORY_ANNOTATION = 'cdk8s-flux-webhooks.io/sender-repository';

/** The receiver types whose sender's hook API `register` speaks. */
export const REGISTER_TYPES: readonly string[] = ['github', 'gitlab', 'gitea', 'bitbucket'];

/** Why `path` cannot name a repository at a Git host; undefined when it can. */
export function senderRepositoryProblem(path: string): string | undefined {
  const parts = path.split('/');
  if (parts.length < 2) return 'has no owner: write owner/name (GitLab: group/project)';
  const bad = parts.find((p) => !/^[A-Za-z0-9_.-]+$/.test(p) || p === '.' || p === '..');
  if (bad !== undefined) return `has the segment ${JSON.stringify(bad)}: segments are letters, digits, '-', '_' and '.'`;
  return undefined;
}
