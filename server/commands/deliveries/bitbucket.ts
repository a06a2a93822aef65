// Bitbucket Server/Data Center (`repo:refs_changed`) and Cloud (`repo:push`): event in
// X-Event-Key, GitHub-style `sha256=` signature in X-Hub-Signature.
import { hmacHex } from './_signing';
import { Delivery, DeliveryBuilder, DeliveryInput, jsonBody, USER_AGENT } from './delivery';

function payload(input: DeliveryInput): unknown {
  const from = 'ecddabb624f6f5ba43816f5926e580a5f680a932';
  const to = '178864a7d521b6f5e720b386b2c2b0ef8563e0dc';
  if (input.event === 'repo:push') {
    return {
      push: { changes: [{ new: { type: 'branch', name: input.branch, target: { type: 'commit', hash: to } }, old: { type: 'branch', name: input.branch, target: { type: 'commit', hash: from } }, created: false, forced: false, closed: false }] },
      repository: { type: 'repository', full_name: 'org/webapp', name: 'webapp', uuid: '{6d5c3a2b-6f1d-4b0e-9a8c-2c9e1b1e7f10}', is_private: true },
      actor: { display_name: 'Mona', type: 'user', uuid: '{a1b2c3d4-e5f6-7890-abcd-ef0123456789}' },
    };
  }
  return {
    eventKey: input.event,
    date: input.now.toISOString(),
    actor: { name: 'admin', emailAddress: 'admin@example.com', id: 1, displayName: 'Administrator', slug: 'admin', type: 'NORMAL' },
    repository: { slug: 'webapp', id: 84, name: 'webapp', scmId: 'git', state: 'AVAILABLE', project: { key: 'ORG', id: 84, name: 'org', type: 'NORMAL' }, public: false },
    changes: [{ ref: { id: `refs/heads/${input.branch}`, displayId: input.branch, type: 'BRANCH' }, refId: `refs/heads/${input.branch}`, fromHash: from, toHash: to, type: 'UPDATE' }],
  };
}

export const bitbucketDelivery: DeliveryBuilder = {
  type: 'bitbucket',
  tokenUse: 'hmac',
  eventHeader: 'X-Event-Key',
  events: ['repo:refs_changed', 'repo:push'],
  build(input): Delivery {
    const body = jsonBody(payload(input));
    const cloud = input.event === 'repo:push';
    return {
      headers: {
        'Content-Type': 'application/json; charset=utf-8',
        'User-Agent': USER_AGENT,
        'X-Event-Key': input.event,
        [cloud ? 'X-Request-UUID' : 'X-Request-Id']: input.deliveryId,
        'X-Hub-Signature': `sha256=${hmacHex('sha256', input.token ?? Buffer.alloc(0), body)}`,
      },
      body,
      authentication: 'X-Hub-Signature: HMAC-SHA256 of the body keyed with the token',
    };
  },
};
