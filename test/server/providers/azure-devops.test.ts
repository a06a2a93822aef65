// azure-devops (extension): the two ways Azure DevOps' "Web Hooks" service hook can carry a
// shared secret: basic authentication (the token as password, any username) or an
// `X-Webhook-Token` header line. Event and id come from the documented git.push body.
import { providerContext, validate, webhookRequest } from './provider-request';

const TOKEN = 's3cr3t-t0ken';
const BODY = JSON.stringify({
  subscriptionId: '00000000-0000-0000-0000-000000000000',
  notificationId: 3,
  id: '03c164c2-8912-4d5e-8009-3707d5f83734',
  eventType: 'git.push',
  publisherId: 'tfs',
  resource: { refUpdates: [{ name: 'refs/heads/main' }] },
});
const context = () => providerContext('azure-devops', { secret: { token: TOKEN } });
const request = (headers: Record<string, string>, body = BODY) => webhookRequest({ headers: { 'Content-Type': 'application/json; charset=utf-8', ...headers }, body });

describe('azure-devops', () => {
  test.each([
    ['basic auth, username "flux"', { Authorization: 'Basic Zmx1eDpzM2NyM3QtdDBrZW4=' }],
    ['basic auth, empty username', { Authorization: 'Basic OnMzY3IzdC10MGtlbg==' }],
    ['basic auth, lowercase scheme', { Authorization: 'basic Zmx1eDpzM2NyM3QtdDBrZW4=' }],
    ['X-Webhook-Token header', { 'X-Webhook-Token': TOKEN }],
  ])('%s is accepted, with eventType and id from the body', async (_, headers) => {
    expect(await validate('azure-devops', request(headers), context()))
      .toMatchObject({ ok: true, event: 'git.push', description: 'handling Azure DevOps event: git.push', deliveryId: '03c164c2-8912-4d5e-8009-3707d5f83734', payloadIsJson: true });
  });

  test.each([
    [{}, 'neither basic authentication nor the X-Webhook-Token header is present'],
    [{ Authorization: `Basic ${Buffer.from('flux:wrong').toString('base64')}` }, 'the basic authentication password does not match the receiver token'],
    [{ Authorization: `Basic ${Buffer.from(TOKEN).toString('base64')}` }, 'the Authorization header is not basic authentication (username:password)'],
    [{ Authorization: `Bearer ${TOKEN}` }, 'the Authorization header is not basic authentication (username:password)'],
    [{ Authorization: TOKEN }, 'the Authorization header is not basic authentication (username:password)'],
    [{ 'X-Webhook-Token': `${TOKEN}x` }, 'the X-Webhook-Token header value does not match the receiver token'],
    [{ 'X-Webhook-Token': 'wrong', 'Authorization': 'Basic Zmx1eDpzM2NyM3QtdDBrZW4=' }, 'the X-Webhook-Token header value does not match the receiver token'],
  ])('%j is rejected: %s', async (headers, reason) => {
    expect(await validate('azure-devops', request(headers), context())).toEqual({ ok: false, reason });
  });

  test('a body that is not JSON is still accepted when authenticated (the body is not signed), without an event', async () => {
    const verdict = await validate('azure-devops', request({ 'X-Webhook-Token': TOKEN }, 'not json'), context());
    expect(verdict).toMatchObject({ ok: true, description: 'handling Azure DevOps event: unknown' });
    expect(verdict.ok && verdict.event).toBeUndefined();
  });

  test('the reasons never contain the token', async () => {
    const verdict = await validate('azure-devops', request({ 'X-Webhook-Token': 's3cr3t-t0ke' }), context());
    expect(JSON.stringify(verdict)).not.toContain('s3cr3t');
  });
});
