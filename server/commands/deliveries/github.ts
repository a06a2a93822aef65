// GitHub (also Gitea/Forgejo): `ping` when the hook is created, `push` on every push; signed in
// X-Hub-Signature-256 (and the legacy X-Hub-Signature) with the token as HMAC key.
import { hmacHex } from './_signing';
import { Delivery, DeliveryBuilder, DeliveryInput, jsonBody, USER_AGENT } from './delivery';

const REPOSITORY = { id: 35129377, name: 'webapp', full_name: 'org/webapp', private: true, html_url: 'https://github.com/org/webapp', clone_url: 'https://github.com/org/webapp.git', default_branch: 'main' };
const SENDER = { login: 'octocat', id: 583231, type: 'User' };

function payload(input: DeliveryInput): unknown {
  if (input.event === 'ping') {
    return { zen: 'Keep it logically awesome.', hook_id: 109948940, hook: { type: 'Repository', id: 109948940, name: 'web', active: true, events: ['push'], config: { content_type: 'json', insecure_ssl: '0' } }, repository: REPOSITORY, sender: SENDER };
  }
  const after = '0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c';
  return {
    ref: `refs/heads/${input.branch}`,
    before: '6113728f27ae82c7b1a177c8d03f9e96e0adf246',
    after,
    repository: REPOSITORY,
    pusher: { name: 'octocat', email: 'octocat@github.com' },
    sender: SENDER,
    created: false,
    deleted: false,
    forced: false,
    commits: [{ id: after, distinct: true, message: 'Test delivery from flux-webhook-receiver send', timestamp: input.now.toISOString(), author: { name: 'Mona Octocat', email: 'octocat@github.com', username: 'octocat' } }],
    head_commit: { id: after, message: 'Test delivery from flux-webhook-receiver send', timestamp: input.now.toISOString() },
  };
}

export const githubDelivery: DeliveryBuilder = {
  type: 'github',
  tokenUse: 'hmac',
  eventHeader: 'X-GitHub-Event',
  events: ['push', 'ping'],
  build(input): Delivery {
    const body = jsonBody(payload(input));
    const token = input.token ?? Buffer.alloc(0);
    return {
      headers: {
        'Content-Type': 'application/json',
        'User-Agent': USER_AGENT,
        'X-GitHub-Event': input.event,
        'X-GitHub-Delivery': input.deliveryId,
        'X-GitHub-Hook-ID': '109948940',
        'X-Hub-Signature': `sha1=${hmacHex('sha1', token, body)}`,
        'X-Hub-Signature-256': `sha256=${hmacHex('sha256', token, body)}`,
      },
      body,
      authentication: 'X-Hub-Signature-256: HMAC-SHA256 of the body keyed with the token',
    };
  },
};
