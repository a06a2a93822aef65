// GitLab: the token travels as-is in X-Gitlab-Token; the event name in X-Gitlab-Event.
import { tokenHeader } from './_signing';
import { Delivery, DeliveryBuilder, DeliveryInput, jsonBody, USER_AGENT } from './delivery';

function payload(input: DeliveryInput): unknown {
  const after = 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7';
  const tag = input.event === 'Tag Push Hook';
  return {
    object_kind: tag ? 'tag_push' : 'push',
    event_name: tag ? 'tag_push' : 'push',
    before: '95790bf891e76fee5e1747ab589903a6a1f80f22',
    after,
    ref: tag ? 'refs/tags/v1.0.0' : `refs/heads/${input.branch}`,
    checkout_sha: after,
    user_username: 'jsmith',
    project_id: 15,
    project: { id: 15, name: 'Webapp', path_with_namespace: 'org/webapp', default_branch: 'main', git_http_url: 'https://gitlab.example.com/org/webapp.git', web_url: 'https://gitlab.example.com/org/webapp' },
    commits: [{ id: after, message: 'Test delivery from flux-webhook-receiver send', timestamp: input.now.toISOString(), author: { name: 'GitLab user', email: 'user@example.com' }, added: [], modified: ['README.md'], removed: [] }],
    total_commits_count: 1,
  };
}

export const gitlabDelivery: DeliveryBuilder = {
  type: 'gitlab',
  tokenUse: 'header',
  eventHeader: 'X-Gitlab-Event',
  events: ['Push Hook', 'Tag Push Hook'],
  build(input): Delivery {
    return {
      headers: {
        'Content-Type': 'application/json',
        'User-Agent': USER_AGENT,
        'X-Gitlab-Event': input.event,
        'X-Gitlab-Event-UUID': input.deliveryId,
        'X-Gitlab-Token': tokenHeader('gitlab', 'X-Gitlab-Token', input.token ?? Buffer.alloc(0)),
      },
      body: jsonBody(payload(input)),
      authentication: 'X-Gitlab-Token: the token',
    };
  },
};
