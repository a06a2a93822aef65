// Reading a request body over a real loopback connection: the cap (exactly 3 MiB accepted by
// default), the shared budget of bodies held in memory (503 past it, nothing held after a
// refusal), bodies counted but not kept, and the slab a large declared body is copied into.
import * as http from 'http';
import type { AddressInfo } from 'net';
import { BodyBudget } from '../../../server/http/body-budget';
import { HeldBody, MAX_BODY_BYTES, readBody, ReadBodyOptions } from '../../../server/http/read-body';
import { send } from '../../harness/http';

/** Sends `body` to a loopback server that reads it with `options`; the read's result. */
async function read(body: Buffer, options: ReadBodyOptions): Promise<HeldBody> {
  let held!: Promise<HeldBody>;
  const server = http.createServer((req, res) => {
    held = readBody(req, options);
    void held.then((r) => res.writeHead(r.ok ? 200 : r.status, { Connection: 'close' }).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await send(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, { body }).catch(() => undefined);
    return await held;
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

test('the default cap is Flux\'s: exactly 3 MiB is read, one byte more is 413', async () => {
  expect(MAX_BODY_BYTES).toBe(3 * 1024 * 1024);
  const exact = await read(Buffer.alloc(MAX_BODY_BYTES, 'a'), {});
  expect(exact).toMatchObject({ ok: true, kept: true });
  expect(exact.ok && exact.body.length).toBe(MAX_BODY_BYTES);
  expect(await read(Buffer.alloc(MAX_BODY_BYTES + 1, 'a'), {})).toMatchObject({ ok: false, status: 413, reason: `request body exceeds ${MAX_BODY_BYTES} bytes` });
});

test('a small body is held in the budget until released', async () => {
  const budget = new BodyBudget(1024 * 1024);
  const result = await read(Buffer.from('{"small":true}'), { budget });
  expect(result.ok && result.body.toString()).toBe('{"small":true}');
  expect(budget.held).toBe(14);
  result.release();
  expect(budget.held).toBe(0);
});

test('a large declared body is copied into a slab of the budget, given back on release', async () => {
  const budget = new BodyBudget(8 * 1024 * 1024, 1024 * 1024);
  const body = Buffer.alloc(200 * 1024, 'b');
  const result = await read(body, { budget });
  expect(result.ok && result.body.equals(body)).toBe(true);
  expect(budget.held).toBe(1024 * 1024);
  result.release();
  expect(budget.held).toBe(0);
});

test('past the budget the read is 503, and a refused read holds nothing', async () => {
  const budget = new BodyBudget(1000);
  expect(budget.take(900)).toBe(true);
  const result = await read(Buffer.alloc(500, 'c'), { budget });
  expect(result).toMatchObject({ ok: false, status: 503, reason: 'request bodies held in memory would exceed 1000 bytes' });
  expect(budget.held).toBe(900);
});

test('keep: false counts the bytes for the cap but keeps none', async () => {
  const budget = new BodyBudget(10);
  expect(await read(Buffer.alloc(5000, 'd'), { budget, keep: false })).toMatchObject({ ok: true, kept: false, body: Buffer.alloc(0) });
  expect(budget.held).toBe(0);
  expect(await read(Buffer.alloc(5000, 'd'), { budget, keep: false, limit: 4096 })).toMatchObject({ ok: false, status: 413 });
});
