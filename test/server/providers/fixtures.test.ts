// Recorded-style payloads from each sender, signed the way the sender signs them.
import { hmacHex, fixture, providerContext, validate, webhookRequest } from './provider-request';

const json = { 'Content-Type': 'application/json' };

test('GitHub push (X-Hub-Signature-256, X-GitHub-Delivery)', async () => {
  const body = fixture('github-push.json');
  const request = webhookRequest({
    headers: { ...json, 'X-GitHub-Event': 'push', 'X-GitHub-Delivery': 'd4c5e0a0-c5d3-11ef-8b8e-5e0c2f3a1b7d', 'X-Hub-Signature-256': `sha256=${hmacHex('sha256', 'token', body)}`, 'X-Hub-Signature': `sha1=${hmacHex('sha1', 'token', body)}` },
    body,
  });
  expect(await validate('github', request, providerContext('github', { spec: { events: ['ping', 'push'] } })))
    .toMatchObject({ ok: true, event: 'push', deliveryId: 'd4c5e0a0-c5d3-11ef-8b8e-5e0c2f3a1b7d', payload: body, payloadIsJson: true });
});

test('GitHub ping', async () => {
  const body = fixture('github-ping.json');
  const request = webhookRequest({ headers: { ...json, 'X-GitHub-Event': 'ping', 'X-Hub-Signature-256': `sha256=${hmacHex('sha256', 'token', body)}` }, body });
  expect(await validate('github', request, providerContext('github', { spec: { events: ['ping', 'push'] } }))).toMatchObject({ ok: true, description: 'handling GitHub event: ping' });
});

test('Gitea/Forgejo push through the github type (form encoded)', async () => {
  const body = Buffer.from(`payload=${encodeURIComponent(fixture('github-push.json').toString())}`);
  const request = webhookRequest({ headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-GitHub-Event': 'push', 'X-Hub-Signature-256': `sha256=${hmacHex('sha256', 'token', body)}` }, body });
  const verdict = await validate('github', request);
  expect(verdict.ok && JSON.parse(verdict.payload.toString()).repository.full_name).toBe('org/webapp');
});

test('GitLab Push Hook', async () => {
  const request = webhookRequest({ headers: { ...json, 'X-Gitlab-Event': 'Push Hook', 'X-Gitlab-Token': 'token', 'X-Gitlab-Event-UUID': 'a4c4ee2a-5b3e-4f8a-9a26-0f0b4d9b1a11' }, body: fixture('gitlab-push-hook.json') });
  expect(await validate('gitlab', request, providerContext('gitlab', { spec: { events: ['Push Hook', 'Tag Push Hook'] } })))
    .toMatchObject({ ok: true, description: 'handling GitLab event: Push Hook', deliveryId: 'a4c4ee2a-5b3e-4f8a-9a26-0f0b4d9b1a11' });
});

test('Bitbucket Server repo:refs_changed', async () => {
  const body = fixture('bitbucket-server-refs-changed.json');
  const request = webhookRequest({ headers: { 'Content-Type': 'application/json; charset=UTF-8', 'X-Event-Key': 'repo:refs_changed', 'X-Request-Id': '6d8f8c5e-0d0c-4f3a-9c1e-1a9b3b0b2d11', 'X-Hub-Signature': `sha256=${hmacHex('sha256', 'token', body)}` }, body });
  expect(await validate('bitbucket', request, providerContext('bitbucket', { spec: { events: ['repo:refs_changed'] } })))
    .toMatchObject({ ok: true, description: 'handling Bitbucket server event: repo:refs_changed', deliveryId: '6d8f8c5e-0d0c-4f3a-9c1e-1a9b3b0b2d11' });
});

test('Bitbucket Cloud repo:push', async () => {
  const body = fixture('bitbucket-cloud-repo-push.json');
  const request = webhookRequest({ headers: { ...json, 'X-Event-Key': 'repo:push', 'X-Request-UUID': '{f2c0b5e3-3c79-4c57-8d3a-4d0b0c5f5e22}', 'X-Hub-Signature': `sha256=${hmacHex('sha256', 'token', body)}` }, body });
  expect(await validate('bitbucket', request, providerContext('bitbucket', { spec: { events: ['repo:push'] } })))
    .toMatchObject({ ok: true, deliveryId: '{f2c0b5e3-3c79-4c57-8d3a-4d0b0c5f5e22}' });
});

test('Harbor PUSH_ARTIFACT', async () => {
  const request = webhookRequest({ headers: { ...json, Authorization: 'token' }, body: fixture('harbor-push-artifact.json') });
  expect(await validate('harbor', request)).toMatchObject({ ok: true, description: 'handling Harbor event' });
});

test('Docker Hub push', async () => {
  const request = webhookRequest({ headers: json, body: fixture('dockerhub-push.json') });
  expect(await validate('dockerhub', request)).toMatchObject({ ok: true, description: 'handling DockerHub event from https://registry.hub.docker.com/u/svendowideit/testhook/ for tag latest' });
});

test('Quay repository push', async () => {
  const request = webhookRequest({ headers: json, body: fixture('quay-repository-push.json') });
  expect(await validate('quay', request)).toMatchObject({ ok: true, description: 'handling Quay event from quay.io/mynamespace/repository' });
});

test('ACR push', async () => {
  const request = webhookRequest({ headers: json, body: fixture('acr-push.json') });
  expect(await validate('acr', request)).toMatchObject({ ok: true, description: 'handling ACR event from hello-world for tag v1' });
});

test('Nexus component created', async () => {
  const body = fixture('nexus-component-created.json');
  const request = webhookRequest({ headers: { ...json, 'X-Nexus-Webhook-Signature': hmacHex('sha1', 'token', body) }, body });
  expect(await validate('nexus', request)).toMatchObject({ ok: true, description: 'handling Nexus event from npm-proxy' });
});
