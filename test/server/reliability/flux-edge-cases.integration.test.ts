// Edge cases where a differential run against notification-controller v1.9.3 (Go 1.26) found the
// server answering differently; the expected values are Flux's, measured on that build:
// ServeMux redirects are 307, JSON nested deeper than 10,000 levels is refused, event headers are
// UTF-8 bytes folded like strings.EqualFold, and one keep-alive connection carries any number of
// requests.
import { createHmac } from 'crypto';
import * as net from 'net';
import { receiver, receiverPath, send, ServerFixture, startServed } from '../receiver-fixture';

describe('Flux edge cases (real apiserver)', () => {
  let ns: string;
  let fixture: ServerFixture;
  const deep = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
  const deepObject = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);

  beforeAll(async () => {
    const target = [{ kind: 'GitRepository', name: 'app' }];
    ({ ns, fixture } = await startServed({
      namespace: 'edges',
      gitRepositories: ['app'],
      tokens: Object.fromEntries(['dh', 'gf', 'gh', 'g'].map((name) => [name, `${name}-token`])),
      receivers: (n) => [
        receiver('dh', n, { type: 'dockerhub', secretRef: { name: 'dh' }, resources: target }),
        receiver('gf', n, { type: 'generic', secretRef: { name: 'gf' }, resourceFilter: 'true', resources: target }),
        receiver('gh', n, { type: 'github', secretRef: { name: 'gh' }, events: ['push hook', 'kelvin'], resources: target }),
        receiver('g', n, { type: 'generic', secretRef: { name: 'g' }, resources: target }),
      ],
    }));
  });

  afterAll(async () => {
    await fixture?.stop();
  });

  test.each([
    ['/hook', '/hook/'],
    ['//hook/abc', '/hook/abc'],
    ['/hook/./abc', '/hook/abc'],
    ['/hook//abc', '/hook/abc'],
  ])('%s redirects with 307 (method and body kept) to %s', async (from, to) => {
    // A raw request: node's client would resolve `.` and `//` before sending.
    const head = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(fixture.server!.ports.webhook, '127.0.0.1', () => socket.write(`POST ${from} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}`));
      let text = '';
      socket.on('data', (c) => (text += c.toString('latin1')));
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
    });
    expect([head.slice(9, 12), /\r\nLocation: ([^\r]*)\r\n/i.exec(head)?.[1]]).toEqual(['307', to]);
  });

  test('JSON nested 10,000 levels deep is decoded; 10,001 levels is refused like Go (400 typed provider, 500 CEL req)', async () => {
    const dh = fixture.url(receiverPath('dh-token', 'dh', ns));
    const gf = fixture.url(receiverPath('gf-token', 'gf', ns));
    const json = { 'Content-Type': 'application/json' };
    const ok = `{"x":${deep(9_999)},"repository":{"repo_url":"r"}}`;
    const tooDeep = `{"x":${deep(10_000)},"repository":{"repo_url":"r"}}`;
    expect((await send(dh, { headers: json, body: ok })).status).toBe(200);
    expect((await send(dh, { headers: json, body: tooDeep })).status).toBe(400);
    expect((await send(gf, { headers: json, body: `{"x":${deepObject(9_999)}}` })).status).toBe(200);
    expect((await send(gf, { headers: json, body: `{"x":${deepObject(10_000)}}` })).status).toBe(500);
    // Without a filter a generic receiver never decodes the body: 200 at any depth.
    expect((await send(fixture.url(receiverPath('g-token', 'g', ns)), { headers: json, body: deep(20_000) })).status).toBe(200);
  });

  test.each([
    ['Pu\u017Fh Hook', 200],
    ['\u212Aelvin', 200],
    ['Pu\u017Fh Hoo', 400],
  ])('event header %j (sent as UTF-8 bytes) against ["push hook", "kelvin"] → %i', async (event, status) => {
    const body = '{}';
    const res = await rawRequest(fixture.server!.ports.webhook, receiverPath('gh-token', 'gh', ns), {
      'Content-Type': 'application/json',
      'X-GitHub-Event': Buffer.from(event, 'utf8'),
      'X-Hub-Signature-256': `sha256=${createHmac('sha256', 'gh-token').update(body).digest('hex')}`,
    }, body);
    expect(res).toBe(status);
  });

  test('1,100 pipelined requests on one connection all get 200 (Go has no per-connection limit)', async () => {
    const path = receiverPath('g-token', 'g', ns);
    const statuses = await new Promise<number[]>((resolve, reject) => {
      const socket = net.connect(fixture.server!.ports.webhook, '127.0.0.1', () => {
        let data = '';
        for (let i = 0; i < 1100; i++) data += `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n${i === 1099 ? 'Connection: close\r\n' : ''}\r\n{}`;
        socket.write(data);
      });
      let text = '';
      socket.on('data', (c) => (text += c.toString('latin1')));
      socket.on('close', () => resolve([...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]))));
      socket.on('error', reject);
    });
    expect(statuses.length).toBe(1100);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
  });
});

/** One request whose header values are raw bytes (node's client would refuse non-latin1 text). */
function rawRequest(port: number, path: string, headers: Record<string, string | Buffer>, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      const head = [Buffer.from(`POST ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: ${Buffer.byteLength(body)}\r\n`)];
      for (const [k, v] of Object.entries(headers)) head.push(Buffer.from(`${k}: `), Buffer.from(v), Buffer.from('\r\n'));
      head.push(Buffer.from('\r\n'), Buffer.from(body));
      socket.write(Buffer.concat(head));
    });
    let text = '';
    socket.on('data', (c) => (text += c.toString('latin1')));
    socket.on('close', () => resolve(Number(text.slice(9, 12))));
    socket.on('error', reject);
  });
}
