// The one HTTP path of the sender APIs: the token never follows a page link to another host,
// rate limits are read from the headers GitHub, GitLab and Gitea send, and refusal texts never
// carry a whole hook path.
import * as http from 'http';
import type { AddressInfo } from 'net';
import { linkNext, rateLimitWait, redactHookPaths, SenderHttp } from '../../../../server/commands/senders/_http';

function answer(status: number, headers: Record<string, string>): { status: number; headers: Headers; body: unknown } {
  return { status, headers: new Headers(headers), body: '' };
}

test('rate limits: Retry-After, X-RateLimit-Reset (GitHub, Gitea), RateLimit-Reset (GitLab); a plain 403 is none', () => {
  const now = 1_700_000_000_000;
  expect(rateLimitWait(answer(429, { 'Retry-After': '7' }), now)).toBe(7000);
  expect(rateLimitWait(answer(403, { 'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': String(now / 1000 + 30) }), now)).toBe(31_000);
  expect(rateLimitWait(answer(429, { 'RateLimit-Reset': String(now / 1000 + 5) }), now)).toBe(6000);
  expect(rateLimitWait(answer(403, { 'X-RateLimit-Remaining': '12' }), now)).toBeUndefined();
  expect(rateLimitWait(answer(404, { 'Retry-After': '7' }), now)).toBeUndefined();
});

test('linkNext reads rel="next" among other relations', () => {
  expect(linkNext(answer(200, { Link: '<https://api.example.com/x?page=3>; rel="next", <https://api.example.com/x?page=9>; rel="last"' }))).toBe('https://api.example.com/x?page=3');
  expect(linkNext(answer(200, { Link: '<https://api.example.com/x?page=1>; rel="prev"' }))).toBeUndefined();
  expect(linkNext(answer(200, {}))).toBeUndefined();
});

test('a hook path in a sender\'s text keeps only its first characters', () => {
  expect(redactHookPaths(`url https://h.example.com/hook/${'ab'.repeat(32)} is blocked`)).toBe('url https://h.example.com/hook/abababab… is blocked');
});

test('a next page on another host is not fetched with the token', async () => {
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    seen.push(`${req.headers.host} ${req.url} ${req.headers.authorization ?? ''}`);
    res.writeHead(200, { 'Content-Type': 'application/json', 'Link': '<http://127.0.0.2:1/hooks?page=2>; rel="next"' }).end('[{"id":1}]');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const client = new SenderHttp({ sender: 'GitHub', apiBase: origin, headers: { Authorization: 'Bearer secret-token' }, describe: () => '', maxWaitMs: 0, note: () => undefined });
    await expect(client.list('/hooks', linkNext)).rejects.toThrow('GitHub: GET /hooks: the next page is on another host (127.0.0.2:1); not following it with the token');
    expect(seen).toEqual([`127.0.0.1:${(server.address() as AddressInfo).port} /hooks Bearer secret-token`]);
  } finally {
    server.close();
  }
});
