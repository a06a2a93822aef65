// Part 1, fuzz: seeded random requests built from real signed deliveries of each receiver, then
// mutated (method, path, event and other headers, content type, signature or token, body), sent
// over raw keep-alive connections by a few concurrent workers. The same seed gives the same
// sequence of mutations (tokens, namespace and delivery ids are new each run).
import { FleetReceiver, Fleet, Ledger, Outcome, PartContext, signature } from './fleet';
import { mib, MonitoredServer } from './monitored-server';
import { RawConnection, RawRequest, encodeRequest } from './raw-http';
import { Check, int, PartResult } from './report';
import { Rng } from './rng';

export interface Generated {
  readonly request: RawRequest;
  readonly receiver?: FleetReceiver;
  /** Sent to a path that is no receiver's exact path: a 2xx would be a routing bug. */
  readonly offPath: boolean;
  readonly forged: boolean;
  readonly mustPatch: boolean;
  /**
   * Node cannot parse the head (a non-token header name or method, a conflicting
   * Content-Length, headers over the limit): the server answers 400/431 and drops at most 1 MiB
   * of what follows before it closes (server/http/webhook-server.ts), so a client still sending a
   * larger body may see the connection reset before it reads the answer.
   */
  readonly unparseable: boolean;
  readonly what: string;
}

const MIB = 1024 * 1024;
const PROTO_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', '__defineGetter__', 'isPrototypeOf'];

function _deep(depth: number, array: boolean): string {
  return array ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}

/** Builds the fuzz's requests; `sentHex` collects every random hex path segment sent (for the log audit). */
export class RequestFuzzer {
  constructor(private readonly rng: Rng, private readonly fleet: Fleet, private readonly sentHex: Set<string>) {}

  next(): Generated {
    const rng = this.rng;
    const r = rng.pick(this.fleet.receivers);
    const base = this.fleet.signed(r);
    const headers = new Map<string, string | Buffer>(Object.entries(base.headers));
    const tags: string[] = [r.name];

    // Body.
    const bodyKind = rng.weighted({
      valid: 30, truncate: 8, invalidUtf8: 6, deep: 6, proto: 10, huge: 1.5, overCap: 0.3, random: 5, empty: 4, dupKeys: 4, nonObject: 4, numbers: 3,
    });
    tags.push(`body:${bodyKind}`);
    let body = base.body;
    const json = (): any => JSON.parse(base.body.toString('utf8'));
    switch (bodyKind) {
      case 'truncate': body = body.subarray(0, rng.int(body.length)); break;
      case 'invalidUtf8': {
        const at = rng.int(body.length);
        const bad = rng.pick([[0xff], [0xc3, 0x28], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82]]);
        body = Buffer.concat([body.subarray(0, at), Buffer.from(bad), body.subarray(at)]);
        break;
      }
      case 'deep': body = Buffer.from(_deep(rng.pick([10, 399, 401, 501, 5000, 100_000]), rng.next() < 0.5)); break;
      case 'proto': {
        const obj = json();
        const key = rng.pick(PROTO_KEYS);
        const value = rng.pick<unknown>([{ polluted: true }, 'x', 1, null, [], { toString: 'y', constructor: { prototype: { z: 1 } } }]);
        // Top level, or inside a nested object the providers read (repository, push_data, …).
        const nested = Object.values(obj).find((v) => v && typeof v === 'object' && !Array.isArray(v)) as Record<string, unknown> | undefined;
        const text = JSON.stringify(obj);
        const entry = `${JSON.stringify(key)}:${JSON.stringify(value)}`;
        body = Buffer.from(nested && rng.next() < 0.5
          ? text.replace(JSON.stringify(nested), `{${entry},${JSON.stringify(nested).slice(1)}`)
          : `{${entry},${text.slice(1)}`);
        break;
      }
      case 'huge': {
        const obj = json();
        obj.pad = 'x'.repeat(rng.int(2.9 * MIB));
        body = Buffer.from(JSON.stringify(obj));
        break;
      }
      case 'overCap': body = Buffer.alloc(3 * MIB + 1 + rng.int(MIB), 0x20); break;
      case 'random': body = Buffer.from(Array.from({ length: rng.int(2048) }, () => rng.int(256))); break;
      case 'empty': body = Buffer.alloc(0); break;
      case 'dupKeys': {
        const text = base.body.toString('utf8');
        body = Buffer.from(`{"ref":"refs/heads/${rng.pick(['dev', 'main'])}",${text.trim().slice(1)}`);
        break;
      }
      case 'nonObject': body = Buffer.from(rng.pick(['[]', '"push"', '1', 'null', 'true', '[{"ref":"refs/heads/main"}]'])); break;
      case 'numbers': body = Buffer.from(`{"ref":"refs/heads/main","n":${rng.pick(['1e400', '-0', '123456789012345678901234567890', '0.1e-400', 'NaN'])}}`); break;
    }

    // Signature or token.
    let forged = false;
    if (r.type === 'github' || r.type === 'generic-hmac') {
      const header = r.type === 'github' ? 'X-Hub-Signature-256' : 'X-Signature';
      const right = signature(r.token, body);
      const sig = rng.weighted({ right: 55, wrong: 15, malformed: 8, missing: 8, upperHex: 5, otherBody: 5, duplicate: 4 });
      tags.push(`sig:${sig}`);
      if (r.type === 'github') headers.delete('X-Hub-Signature');
      switch (sig) {
        case 'right': headers.set(header, right); break;
        case 'upperHex': headers.set(header, `sha256=${right.slice(7).toUpperCase()}`); break;
        case 'wrong': headers.set(header, `sha256=${rng.hex(64)}`); forged = true; break;
        case 'malformed': headers.set(header, rng.pick(['sha256=zz', 'sha256', '=', `md5=${rng.hex(32)}`, right.slice(0, 20), `sha256=${right.slice(7, 40)}`, `sha256= ${right.slice(7)}x`])); forged = true; break;
        case 'missing': headers.delete(header); forged = true; break;
        case 'otherBody': headers.set(header, signature(r.token, Buffer.concat([body, Buffer.from(' ')]))); forged = true; break;
        case 'duplicate': headers.set(header, right); headers.set(`${header.toLowerCase()}`, `sha256=${rng.hex(64)}`); break;
      }
    } else if (r.type === 'gitlab') {
      const tok = rng.weighted({ right: 65, wrong: 15, missing: 10, otherCase: 5 });
      tags.push(`token:${tok}`);
      if (tok === 'wrong') headers.set('X-Gitlab-Token', rng.hex(40));
      if (tok === 'missing') headers.delete('X-Gitlab-Token');
      if (tok === 'otherCase') headers.set('X-Gitlab-Token', r.token.toUpperCase());
      forged = tok !== 'right';
    }

    // Event header.
    const eventHeader = r.type === 'github' ? 'X-GitHub-Event' : r.type === 'gitlab' ? 'X-Gitlab-Event' : undefined;
    if (eventHeader) {
      const ev = rng.weighted({ keep: 70, nameCase: 10, valueCase: 5, unicode: 5, empty: 3, long: 3, drop: 4 });
      tags.push(`event:${ev}`);
      const value = headers.get(eventHeader) as string;
      headers.delete(eventHeader);
      if (ev === 'keep') headers.set(eventHeader, value);
      if (ev === 'nameCase') headers.set(rng.pick([eventHeader.toLowerCase(), eventHeader.toUpperCase(), 'x-GiThUb-eVeNt']), value);
      if (ev === 'valueCase') headers.set(eventHeader, rng.next() < 0.5 ? value.toUpperCase() : value.toLowerCase());
      if (ev === 'unicode') headers.set(eventHeader, rng.pick(['pușh', 'Push Hook\u0000', 'push\u202e', 'p\u0075sh', '\u{1F600}']));
      if (ev === 'empty') headers.set(eventHeader, '');
      if (ev === 'long') headers.set(eventHeader, 'e'.repeat(10_000 + rng.int(50_000)));
    }

    // Content type.
    const ct = rng.weighted({ keep: 70, charset: 5, upper: 4, text: 5, form: 3, missing: 5, garbage: 4, unicode: 2 });
    tags.push(`ct:${ct}`);
    if (ct === 'charset') headers.set('Content-Type', 'application/json; charset=utf-8');
    if (ct === 'upper') headers.set('Content-Type', 'APPLICATION/JSON');
    if (ct === 'text') headers.set('Content-Type', 'text/plain');
    if (ct === 'form') headers.set('Content-Type', 'application/x-www-form-urlencoded');
    if (ct === 'missing') headers.delete('Content-Type');
    if (ct === 'garbage') headers.set('Content-Type', rng.pick([';;;=', 'application/json; charset', '/', 'multipart/form-data; boundary=', 'application/json, text/plain']));
    if (ct === 'unicode') headers.set('Content-Type', 'application/jsön');

    // Other headers and framing.
    let noContentLength = false;
    const extra = rng.weighted({ none: 85, unicodeName: 3, obsText: 4, many: 3, huge: 0.3, acceptJson: 4, dupContentLength: 0.5, chunked: 1 });
    tags.push(`extra:${extra}`);
    if (extra === 'unicodeName') headers.set('X-Ünïcode', '1');
    if (extra === 'obsText') headers.set('X-Note', Buffer.from([0xff, 0xfe, 0x80, 0x41, 0xc3]));
    if (extra === 'many') for (let i = 0; i < 200; i++) headers.set(`X-Many-${i}`, rng.hex(16));
    if (extra === 'huge') headers.set('X-Pad', 'p'.repeat(300 * 1024));
    if (extra === 'acceptJson') headers.set('Accept', 'application/json');
    if (extra === 'dupContentLength') headers.set('content-length', String(body.length + 1));
    if (extra === 'chunked') {
      headers.set('Transfer-Encoding', 'chunked');
      noContentLength = true;
      const half = Math.floor(body.length / 2);
      const chunk = (b: Buffer) => (b.length ? Buffer.concat([Buffer.from(`${b.length.toString(16)}\r\n`), b, Buffer.from('\r\n')]) : Buffer.alloc(0));
      body = Buffer.concat([chunk(body.subarray(0, half)), chunk(body.subarray(half)), Buffer.from('0\r\n\r\n')]);
    }

    // Path and method.
    const hash = r.path.slice('/hook/'.length);
    const pathKind = rng.weighted({
      exact: 62,
      randomHex: 12,
      query: 3,
      trailingSlash: 2,
      dotSegment: 4,
      doubleSlash: 4,
      encoded: 2,
      upper: 2,
      bare: 2,
      other: 3,
      long: 0.5,
      absolute: 1,
    });
    tags.push(`path:${pathKind}`);
    let target = r.path;
    const random = rng.hex(64);
    switch (pathKind) {
      case 'randomHex': target = `/hook/${random}`; this.sentHex.add(random); break;
      case 'query': target = `${r.path}?${rng.pick(['x=1', '', 'token=' + random])}`; this.sentHex.add(random); break;
      case 'trailingSlash': target = `${r.path}/`; break;
      case 'dotSegment': target = rng.pick([`/hook/./${hash}`, `/hook/x/../${hash}`, `/hook/${hash}/.`, `/hook/../hook/${hash}`]); break;
      case 'doubleSlash': target = rng.pick([`//hook/${hash}`, `/hook//${hash}`, `/hook/${hash}//`]); break;
      case 'encoded': target = rng.pick([`/hook/%2e/${hash}`, `/hook%2f${hash}`, `/%68ook/${hash}`]); break;
      case 'upper': target = `/hook/${hash.toUpperCase()}`; break;
      case 'bare': target = rng.pick(['/hook', '/hook/']); break;
      case 'other': target = rng.pick(['/', '/metrics', '/readyz', '/healthz', '*', '/favicon.ico']); break;
      case 'long': {
        const long = rng.hex(100_000);
        target = `/hook/${long}`;
        this.sentHex.add(long);
        break;
      }
      case 'absolute': target = `http://127.0.0.1${r.path}`; break;
    }
    const method = rng.weighted({ POST: 85, GET: 3, PUT: 3, HEAD: 2, DELETE: 2, OPTIONS: 1, PATCH: 2, post: 1, FOO: 1 });
    tags.push(`method:${method}`);

    const exact = pathKind === 'exact';
    // Only the CEL receiver may answer 200 without a patch: when its filter says no. Count a
    // 2xx as checkable there only when the body is JSON whose ref the filter accepts.
    let mustPatch = true;
    if (r.celFilter) {
      const type = headers.get('Content-Type');
      let ref: unknown;
      try {
        ref = JSON.parse(body.toString('utf8')).ref;
      } catch {
        ref = undefined;
      }
      mustPatch = extra !== 'chunked' && (type === 'application/json' || type === 'application/json; charset=utf-8') && ref === 'refs/heads/main';
    }
    return {
      request: { method, target, headers: [...headers.entries()], body, noContentLength },
      receiver: exact ? r : undefined,
      offPath: !exact,
      forged,
      mustPatch,
      unparseable: ['unicodeName', 'dupContentLength', 'huge'].includes(extra) || method === 'post' || method === 'FOO',
      what: tags.join(' '),
    };
  }
}

/** Sends `total` generated requests with `concurrency` workers; records each answer. */
export async function runFuzzLoad(
  port: number, fuzzer: RequestFuzzer, ledger: Ledger, total: number, concurrency: number, alive: () => boolean,
): Promise<{ reconnects: number; retries: number; resetsPastDrain: number }> {
  let issued = 0;
  const stats = { reconnects: 0, retries: 0, resetsPastDrain: 0 };
  const worker = async (): Promise<void> => {
    let conn: RawConnection | undefined;
    let reusable = false;
    while (issued < total && alive()) {
      issued++;
      const g = fuzzer.next();
      const bytes = encodeRequest(g.request);
      let answer;
      for (let attempt = 0; ; attempt++) {
        const reused = reusable && conn !== undefined && !conn.closed;
        if (!reused) {
          conn?.destroy();
          try {
            conn = await RawConnection.open(port);
          } catch (e) {
            ledger.violate('the server never crashes', `connect: ${(e as Error).message}`);
            return;
          }
          stats.reconnects++;
        }
        answer = await conn!.send(bytes, { head: g.request.method === 'HEAD' });
        // A keep-alive connection the server closed just before this request: send it again.
        if (answer.closedBeforeBytes && reused && attempt === 0) {
          stats.retries++;
          reusable = false;
          continue;
        }
        break;
      }
      reusable = answer.status !== 0 && answer.headers.connection?.toLowerCase() !== 'close';
      const outcome: Outcome = {
        status: answer.status,
        closedBeforeBytes: answer.closedBeforeBytes,
        truncated: answer.truncated,
        retryAfter: answer.headers['retry-after'],
        receiver: g.receiver,
        forged: g.forged,
        mustPatch: g.mustPatch,
        sentAt: answer.sentAt,
        answeredAt: answer.answeredAt,
        what: g.what,
      };
      ledger.record(outcome);
      const pastDrain = answer.status === 0 && answer.closedBeforeBytes && g.unparseable && g.request.body.length > 1024 * 1024;
      if (pastDrain) stats.resetsPastDrain++;
      else if (answer.status === 0) ledger.violate('every request answered', `${g.what}: ${answer.error}`);
      if (g.offPath && answer.status >= 200 && answer.status < 300) ledger.violate('no 2xx off a receiver\'s exact path', `${g.what}: ${answer.status}`);
    }
    conn?.destroy();
  };
  await Promise.all(Array.from({ length: concurrency }, () => worker()));
  return stats;
}

export interface FuzzOptions {
  readonly requests: number;
  readonly concurrency: number;
  readonly seed: number;
}

export async function fuzzPart(ctx: PartContext, options: FuzzOptions): Promise<PartResult> {
  const started = Date.now();
  const server = await MonitoredServer.start(ctx.fleet, ctx.api.kubeconfigPath);
  try {
    const ledger = new Ledger();
    const fuzzer = new RequestFuzzer(new Rng(options.seed), ctx.fleet, server.audit.sentHex);
    const progress = setInterval(() => ctx.log(`fuzz: ${int(ledger.requests)} / ${int(options.requests)} answered, RSS ${mib(server.proc.rss())}`), 15_000);
    const loadStarted = Date.now();
    const load = await runFuzzLoad(server.proc.ports.webhook, fuzzer, ledger, options.requests, options.concurrency, () => server.alive());
    const loadSeconds = (Date.now() - loadStarted) / 1000;
    clearInterval(progress);
    const endRss = server.alive() ? server.proc.rss() : 0;
    const inflightZero = server.alive() ? await server.inflightZero().catch(() => undefined) : undefined;
    // Let the watch catch up with the last patches.
    await new Promise((r) => setTimeout(r, 2000));
    const patches = server.alive() ? await server.counter('flux_webhook_receiver_patches_total', 'outcome="ok"') : 0;
    const patchErrors = server.alive() ? await server.counter('flux_webhook_receiver_patches_total', 'outcome="error"') : 0;
    const checks: Check[] = [
      ...server.commonChecks(ledger, ctx.stored),
      { name: 'no 2xx off a receiver\'s exact path', pass: ledger.count('no 2xx off a receiver\'s exact path') === 0, detail: ledger.violations.filter((v) => v.check.startsWith('no 2xx off')).map((v) => v.detail).join('; ') || 'none' },
      { name: 'in-flight gauge back to 0 after the load', pass: inflightZero !== undefined, detail: inflightZero === undefined ? 'not within 10 s' : `after ${inflightZero.toFixed(1)} s` },
      { name: 'no failed patch (the apiserver is healthy)', pass: patchErrors === 0, detail: `${int(patches)} patches ok, ${int(patchErrors)} failed` },
    ];
    return {
      id: 'fuzz',
      title: '1. Fuzz',
      seconds: (Date.now() - started) / 1000,
      requests: ledger.requests,
      histogram: ledger.histogram,
      figures: [
        ['Requests', `${int(ledger.requests)} (seed ${options.seed}, ${options.concurrency} concurrent keep-alive connections, ${int(load.reconnects)} connections opened)`],
        ['Load time, rate', `${loadSeconds.toFixed(1)} s, ${int(ledger.requests / loadSeconds)} req/s`],
        ['Unparseable heads with a body over the 1 MiB drain, reset before the answer was read (documented bound)', int(load.resetsPastDrain)],
        ['Forged requests sent (wrong, malformed or missing signature or token)', int(ledger.forgedSent)],
        ['2xx checked against stored values', int(ledger.checked2xx)],
        ['PATCHes (server\'s count)', int(patches)],
        ['Random /hook/<hex> paths looked for in the logs', int(server.audit.sentHex.size)],
        ['RSS start / peak / end', `${mib(server.startRss)} / ${mib(server.peakRss())} / ${mib(endRss)}`],
      ],
      checks,
    };
  } finally {
    await server.stop();
  }
}
