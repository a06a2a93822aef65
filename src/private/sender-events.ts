// The event names each sender puts in the header Flux filters on, from the senders' documented
// lists, so that a name the sender never sends (`pull-request` for GitHub's `pull_request`,
// GitLab's `Push Hook` on a github receiver) is caught at synth time instead of making every
// matching webhook fail with HTTP 400. Flux compares case-insensitively, and so does this.
// CDEvents is not checked: its Ce-Type header is whatever the sender sets (Flux's own tests send
// `cd.change.merged.v1` for a `dev.cdevents.change.merged.0.2.0` event).
import { ReceiverType } from '../receiver-type';

interface EventCatalog {
  readonly header: string;
  readonly docs: string;
  readonly known: readonly string[];
  readonly example: string;
}

const CATALOGS: { [type: string]: EventCatalog } = {
  // GitHub (https://docs.github.com/en/webhooks/webhook-events-and-payloads), plus the names
  // Gitea and Forgejo send in X-GitHub-Event, since they use the github type.
  [ReceiverType.GITHUB]: {
    header: 'X-GitHub-Event',
    docs: 'https://docs.github.com/en/webhooks/webhook-events-and-payloads',
    example: 'push',
    known: [
      'branch_protection_configuration', 'branch_protection_rule', 'check_run', 'check_suite', 'code_scanning_alert',
      'commit_comment', 'create', 'custom_property', 'custom_property_values', 'delete', 'dependabot_alert', 'deploy_key',
      'deployment', 'deployment_protection_rule', 'deployment_review', 'deployment_status', 'discussion', 'discussion_comment',
      'fork', 'github_app_authorization', 'gollum', 'installation', 'installation_repositories', 'installation_target',
      'issue_comment', 'issue_dependencies', 'issues', 'label', 'marketplace_purchase', 'member', 'membership', 'merge_group',
      'meta', 'milestone', 'org_block', 'organization', 'package', 'page_build', 'personal_access_token_request', 'ping',
      'project', 'project_card', 'project_column', 'projects_v2', 'projects_v2_item', 'projects_v2_status_update', 'public',
      'pull_request', 'pull_request_review', 'pull_request_review_comment', 'pull_request_review_thread', 'push',
      'registry_package', 'release', 'repository', 'repository_advisory', 'repository_dispatch', 'repository_import',
      'repository_ruleset', 'repository_vulnerability_alert', 'secret_scanning_alert', 'secret_scanning_alert_location',
      'secret_scanning_scan', 'security_advisory', 'security_and_analysis', 'sponsorship', 'star', 'status', 'sub_issues',
      'team', 'team_add', 'watch', 'workflow_dispatch', 'workflow_job', 'workflow_run',
      // Gitea / Forgejo
      'issue_assign', 'issue_label', 'issue_milestone', 'pull_request_assign', 'pull_request_label', 'pull_request_milestone',
      'pull_request_comment', 'pull_request_review_approved', 'pull_request_review_rejected', 'pull_request_review_request',
      'pull_request_sync', 'wiki', 'schedule',
    ],
  },
  [ReceiverType.GITLAB]: {
    header: 'X-Gitlab-Event',
    docs: 'https://docs.gitlab.com/user/project/integrations/webhook_events/',
    example: 'Push Hook',
    known: [
      'Push Hook', 'Tag Push Hook', 'Issue Hook', 'Confidential Issue Hook', 'Note Hook', 'Confidential Note Hook',
      'Merge Request Hook', 'Wiki Page Hook', 'Pipeline Hook', 'Job Hook', 'Deployment Hook', 'Feature Flag Hook',
      'Release Hook', 'Emoji Hook', 'Milestone Hook', 'Resource Access Token Hook', 'Member Hook', 'Subgroup Hook',
      'Project Hook', 'Vulnerability Hook', 'System Hook',
    ],
  },
  // Bitbucket Cloud (https://support.atlassian.com/bitbucket-cloud/docs/event-payloads/) and
  // Bitbucket Server / Data Center, which share the bitbucket type.
  [ReceiverType.BITBUCKET]: {
    header: 'X-Event-Key',
    docs: 'https://support.atlassian.com/bitbucket-cloud/docs/event-payloads/',
    example: 'repo:push',
    known: [
      'repo:push', 'repo:fork', 'repo:updated', 'repo:created', 'repo:deleted', 'repo:transfer', 'repo:imported',
      'repo:commit_comment_created', 'repo:commit_status_created', 'repo:commit_status_updated',
      'issue:created', 'issue:updated', 'issue:comment_created',
      'pullrequest:created', 'pullrequest:updated', 'pullrequest:changes_request_created', 'pullrequest:changes_request_removed',
      'pullrequest:approved', 'pullrequest:unapproved', 'pullrequest:fulfilled', 'pullrequest:rejected',
      'pullrequest:comment_created', 'pullrequest:comment_updated', 'pullrequest:comment_deleted',
      'pullrequest:comment_resolved', 'pullrequest:comment_reopened', 'project:updated',
      // Bitbucket Server / Data Center
      'repo:refs_changed', 'repo:modified', 'repo:forked', 'repo:comment:added', 'repo:comment:edited', 'repo:comment:deleted',
      'repo:secret_detected', 'mirror:repo_synchronized', 'diagnostics:ping',
      'pr:opened', 'pr:from_ref_updated', 'pr:to_ref_updated', 'pr:modified', 'pr:merged', 'pr:declined', 'pr:deleted',
      'pr:reviewer:updated', 'pr:reviewer:approved', 'pr:reviewer:unapproved', 'pr:reviewer:needs_work',
      'pr:comment:added', 'pr:comment:edited', 'pr:comment:deleted',
    ],
  },
};

// Gitea and Forgejo send the same names in their own X-Gitea-Event / X-Forgejo-Event headers
// (the gitea extension type).
CATALOGS[ReceiverType.GITEA] = { ...CATALOGS[ReceiverType.GITHUB], header: 'X-Gitea-Event', docs: 'https://docs.gitea.com/usage/webhooks' };

/** Letters and digits only, lowercase, without GitLab's " Hook" suffix: what a near-miss shares with the real name. */
function normalize(name: string): string {
  return name.toLowerCase().replace(/\s*hook$/, '').replace(/[^a-z0-9]/g, '');
}

function distance(a: string, b: string): number {
  const row = [...Array(b.length + 1).keys()];
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

function suggestion(event: string, known: readonly string[]): string | undefined {
  const wanted = normalize(event);
  const exact = known.find((k) => normalize(k) === wanted);
  if (exact) return exact;
  const ranked = known
    .map((k) => ({ k, d: distance(normalize(k), wanted) }))
    .filter(({ k, d }) => d <= Math.max(1, Math.floor(wanted.length / 4))
      || (wanted.length >= 3 && (normalize(k).startsWith(wanted) || normalize(k).endsWith(wanted))))
    .sort((x, y) => x.d - y.d);
  return ranked[0]?.k;
}

/**
 * Throws for an event name the sender of `type` never sends, with the likely intended name.
 * `allowUnknown` is the escape hatch for events newer than these lists.
 */
export function checkEventNames(factory: string, type: ReceiverType, events: readonly string[], allowUnknown: boolean): void {
  const catalog = CATALOGS[type];
  if (!catalog || allowUnknown) return;
  for (const event of events) {
    if (catalog.known.some((k) => k.toLowerCase() === event.toLowerCase())) continue;
    const near = suggestion(event, catalog.known);
    const hint = near ? `did you mean ${JSON.stringify(near)}?` : `use a name such as ${JSON.stringify(catalog.example)} (see ${catalog.docs}).`;
    throw new Error(`${factory}: event ${JSON.stringify(event)} is not one ${type} senders put in ${catalog.header}, so no webhook would ever match it: ${hint} `
      + 'If the sender does send it (an event newer than this list), set allowUnknownEvents: true');
  }
}
