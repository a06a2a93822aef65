// Gitea / Forgejo with their native headers (the gitea extension type): a push, signed in
// X-Gitea-Signature as the bare hex HMAC-SHA256 of the body keyed with the token.
import { hmacHex } from './_signing';
import { Delivery, DeliveryBuilder, DeliveryInput, jsonBody, USER_AGENT } from './delivery';

const REPOSITORY = { id: 140, name: 'webapp', full_name: 'org/webapp', private: true, html_url: 'https://gitea.example.com/org/webapp', clone_url: 'https://gitea.example.com/org/webapp.git', default_branch: 'main' };

function payload(input: DeliveryInput): unknown {
  const after = 'bffeb74224043ba2feb48d137756c8a9331c449a';
  return {
    ref: `refs/heads/${input.branch}`,
    before: '28e1879d029cb852e4844d9c718537df08844e03',
    after,
    compare_url: `https://gitea.example.com/org/webapp/compare/28e1879d029cb852e4844d9c718537df08844e03...${after}`,
    commits: [{ id: after, message: 'Test delivery from flux-webhook-receiver send\n', timestamp: input.now.toISOString(), author: { name: 'Gitea', email: 'someone@gitea.io', username: 'gitea' } }],
    repository: REPOSITORY,
    pusher: { id: 1, login: 'gitea', username: 'gitea' },
    sender: { id: 1, login: 'gitea', username: 'gitea' },
  };
}

export const giteaDelivery: DeliveryBuilder = {
  type: 'gitea',
  tokenUse: 'hmac',
  eventHeader: 'X-Gitea-Event',
  events: ['push', 'create'],
  build(input): Delivery {
    const body = jsonBody(payload(input));
    return {
      headers: {
        'Content-Type': 'application/json',
        'User-Agent': USER_AGENT,
        'X-Gitea-Event': input.event,
        'X-Gitea-Event-Type': input.event,
        'X-Gitea-Delivery': input.deliveryId,
        'X-Gitea-Signature': hmacHex('sha256', input.token ?? Buffer.alloc(0), body),
      },
      body,
      authentication: 'X-Gitea-Signature: hex HMAC-SHA256 of the body keyed with the token',
    };
  },
};
