// Draws docs/images/monitoring-dashboard.svg: four panels of the receiver dashboard (same titles,
// same series) from a real run of the bundled server against the test API server. A minute of
// GitHub deliveries — bursts that coalesce, a rotation in progress, a sender with a wrong secret
// for a while, redeliveries — with /metrics scraped every 2 seconds; rates are computed from the
// scraped counters as Prometheus' rate() would over a 6-second window.
//   npx projen monitoring:picture   (or: npx ts-node --transpile-only --project bench/tsconfig.json bench/monitoring/dashboard-picture.ts [out.svg])
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Testing } from 'cdk8s';
import { WebhookReceiver } from '../../src';
import { RECEIVER_METRICS as M, VERIFICATION_KEYS_ANNOTATION } from '../../src/model';
import { REPO_ROOT, startTestApiServer } from '../../test/harness/apiserver';
import { githubPushHeaders, send } from '../../test/harness/http';
import { adminKubeConfig, apply, kubeRequest, KUBECONFIG_ENV } from '../../test/harness/kube';
import { BundleProcess } from '../../test/harness/server-process';
import { gitRepository, receiver, receiverPath } from '../../test/server/receiver-fixture';

const NS = 'flux-system';
const SCRAPES = 31;
const SCRAPE_MS = 2000;
const RATE_WINDOW = 3; // scrapes, i.e. 6 seconds
const MEMORY_LIMIT = 384 * 1048576; // the WebhookReceiver's default limit
const TOKENS = { 'webapp-token': 'webapp-old-value', 'infra-token': 'infra-token-value', 'docs-token': 'docs-token-value' };
const NEXT_KEY = 'webapp-new-value';

type Sample = { labels: Record<string, string>; value: number };
type Scrape = Map<string, Sample[]>;

function parseScrape(text: string): Scrape {
  const out: Scrape = new Map();
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels = Object.fromEntries([...(m[2] ?? '').matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]));
    out.set(m[1], [...(out.get(m[1]) ?? []), { labels, value: Number(m[3]) }]);
  }
  return out;
}

/** Sum of `metric` by `by` in one scrape, filtered by `keep`. */
function sumBy(scrape: Scrape, metric: string, by: string[], keep: (l: Record<string, string>) => boolean = () => true): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of scrape.get(metric) ?? []) {
    if (!keep(s.labels)) continue;
    const key = by.map((b) => s.labels[b]).join(' ');
    out.set(key, (out.get(key) ?? 0) + s.value);
  }
  return out;
}

interface Line { readonly name: string; readonly points: (number | undefined)[] }

/** Per-second rate of each group of `metric`, one point per scrape (none before the window fills). */
function rates(scrapes: Scrape[], metric: string, by: string[], keep?: (l: Record<string, string>) => boolean): Line[] {
  const sums = scrapes.map((s) => sumBy(s, metric, by, keep));
  const names = [...new Set(sums.flatMap((m) => [...m.keys()]))].sort();
  const seconds = (RATE_WINDOW * SCRAPE_MS) / 1000;
  return names.map((name) => ({
    name,
    points: sums.map((m, i) => (i < RATE_WINDOW ? undefined : ((m.get(name) ?? 0) - (sums[i - RATE_WINDOW].get(name) ?? 0)) / seconds)),
  }));
}

async function traffic(proc: BundleProcess, second: number): Promise<void> {
  const post = (name: string, secret: string, body: string, headers = githubPushHeaders(secret, body)) =>
    send(proc.url(receiverPath(TOKENS[`${name}-token` as keyof typeof TOKENS], name, NS)), { method: 'POST', headers, body });
  const body = (n: number) => JSON.stringify({ ref: 'refs/heads/main', after: `${n}`.padStart(40, '0') });
  const sends: Promise<unknown>[] = [];
  // webapp: bursts of 4 concurrent pushes (they share PATCHes); the new key takes over a rotation.
  for (let i = 0; i < 4; i++) sends.push(post('webapp', (i + 0.5) / 4 < second / 40 ? NEXT_KEY : TOKENS['webapp-token'], body(second * 10 + i)));
  // infra: someone rotated the sender's secret at one end only between 20 s and 40 s.
  sends.push(post('infra', second >= 20 && second < 40 ? 'rotated-at-one-end' : TOKENS['infra-token'], body(second)));
  // docs: every push delivered twice (a redelivery after a timeout).
  if (second % 4 === 0) {
    const b = body(second);
    const headers = githubPushHeaders(TOKENS['docs-token'], b);
    await post('docs', '', b, headers);
    sends.push(post('docs', '', b, headers));
  }
  await Promise.all(sends);
}

const COLORS = ['#73BF69', '#F2CC0C', '#8AB8FF', '#FF780A', '#F2495C', '#B877D9', '#5794F2', '#FADE2A'];
const W = 560;
const H = 270;
const PLOT = { left: 56, top: 34, width: W - 72, height: 150 };

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  return [1, 2, 2.5, 5, 10].map((f) => f * p).find((c) => c >= v)!;
}

function panelSvg(x: number, y: number, title: string, lines: Line[], unit: (v: number) => string): string {
  const max = niceMax(Math.max(...lines.flatMap((l) => l.points.filter((p): p is number => p !== undefined))));
  const px = (i: number) => PLOT.left + (i / (SCRAPES - 1)) * PLOT.width;
  const py = (v: number) => PLOT.top + PLOT.height - (v / max) * PLOT.height;
  const parts = [`<g transform="translate(${x},${y})">`,
    `<rect width="${W - 8}" height="${H - 8}" rx="3" fill="#181b1f" stroke="#2c3235"/>`,
    `<text x="12" y="22" font-size="14" font-weight="600" fill="#ccccdc">${escape(title)}</text>`];
  for (let t = 0; t <= 4; t++) {
    const v = (max * t) / 4;
    parts.push(`<line x1="${PLOT.left}" x2="${PLOT.left + PLOT.width}" y1="${py(v)}" y2="${py(v)}" stroke="#2c3235"/>`,
      `<text x="${PLOT.left - 6}" y="${py(v) + 4}" font-size="10" text-anchor="end" fill="#8e8e8e">${escape(unit(v))}</text>`);
  }
  for (let s = 0; s <= 60; s += 10) {
    parts.push(`<text x="${px(s / 2)}" y="${PLOT.top + PLOT.height + 14}" font-size="10" text-anchor="middle" fill="#8e8e8e">${s}s</text>`);
  }
  lines.forEach((line, i) => {
    const pts = line.points.map((p, j) => (p === undefined ? undefined : `${px(j).toFixed(1)},${py(p).toFixed(1)}`)).filter(Boolean).join(' ');
    const color = COLORS[i % COLORS.length];
    parts.push(`<polyline points="${pts}" fill="none" stroke="${color}" stroke-width="2"${line.name === 'limit' ? ' stroke-dasharray="6 4"' : ''}/>`);
    const lx = 12 + (i % 3) * 180;
    const ly = PLOT.top + PLOT.height + 32 + Math.floor(i / 3) * 16;
    parts.push(`<rect x="${lx}" y="${ly - 8}" width="12" height="4" fill="${color}"/>`,
      `<text x="${lx + 16}" y="${ly - 3}" font-size="11" fill="#ccccdc">${escape(line.name)}</text>`);
  });
  parts.push('</g>');
  return parts.join('\n');
}

async function main(): Promise<void> {
  const out = process.argv[2] ?? path.join(REPO_ROOT, 'docs', 'images', 'monitoring-dashboard.svg');
  const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dashboard-picture-'));
  const api = await startTestApiServer({ logDir });
  let proc: BundleProcess | undefined;
  try {
    process.env[KUBECONFIG_ENV] = api.kubeconfigPath;
    const created = await kubeRequest(adminKubeConfig(), 'POST', '/api/v1/namespaces', { metadata: { name: NS } });
    if (created.status !== 201 && created.status !== 409) throw new Error(`creating namespace ${NS}: HTTP ${created.status}`);
    await apply(['webapp', 'infra', 'docs'].map((n) => gitRepository(n, NS)));
    const github = (name: string, annotations?: Record<string, string>) => receiver(name, NS, {
      type: 'github', secretRef: { name: `${name}-token` }, resources: [{ apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'GitRepository', name }],
    }, annotations ? { annotations } : {});
    proc = await BundleProcess.start({
      receivers: [github('webapp', { [VERIFICATION_KEYS_ANNOTATION]: 'token,token.next' }), github('infra'), github('docs')],
      tokens: TOKENS,
      secretKeys: { 'webapp-token': { 'token.next': NEXT_KEY } },
      env: { RECEIVER_DUPLICATE_WINDOW: '5m' },
    });
    const scrapes: Scrape[] = [];
    for (let i = 0; i < SCRAPES; i++) {
      const started = Date.now();
      scrapes.push(parseScrape((await send(`http://127.0.0.1:${proc.ports.metrics}/metrics`, { method: 'GET' })).body));
      if (i < SCRAPES - 1) await traffic(proc, i * 2);
      await new Promise((r) => setTimeout(r, Math.max(0, SCRAPE_MS - (Date.now() - started))));
    }
    // The titles of the dashboard the construct synthesizes: a renamed panel fails here.
    const chart = Testing.chart();
    new WebhookReceiver(chart, 'Receiver', { monitoring: {} });
    const dashboard = Testing.synth(chart).find((o) => o.kind === 'ConfigMap' && o.metadata.name.endsWith('-dashboard'));
    const titles: string[] = JSON.parse(Object.values(dashboard.data as Record<string, string>)[0]).panels.map((p: { title: string }) => p.title);
    const title = (t: string) => {
      if (!titles.includes(t)) throw new Error(`the dashboard has no panel "${t}"`);
      return t;
    };
    const perSecond = (v: number) => `${Math.round(v * 10) / 10}/s`;
    const triggered = rates(scrapes, M.deliveries.name, [], (l) => l.outcome === 'triggered')[0];
    const patches = rates(scrapes, M.patches.name, [])[0];
    const coalesced = rates(scrapes, M.coalesced.name, [])[0];
    const panels = [
      panelSvg(0, 0, title('Deliveries per receiver and outcome'), rates(scrapes, M.deliveries.name, ['name', 'outcome'], (l) => l.name !== ''), perSecond),
      panelSvg(W, 0, title('Verification key that matched (token rotation)'), rates(scrapes, M.verificationKeys.name, ['name', 'key']), perSecond),
      panelSvg(0, H, title('Deliveries per PATCH (coalescing)'), [
        { name: 'deliveries per PATCH', points: triggered.points.map((t, i) => (t === undefined || !patches.points[i] ? undefined : t / patches.points[i]!)) },
        { name: 'coalesced triggers/s', points: coalesced.points },
      ], (v) => `${Math.round(v * 10) / 10}`),
      panelSvg(W, H, title('Memory against the limit'), [
        { name: 'resident', points: scrapes.map((s) => (s.get(M.residentMemory.name)?.[0]?.value ?? 0) / 1048576) },
        { name: 'limit', points: scrapes.map(() => MEMORY_LIMIT / 1048576) },
      ], (v) => `${Math.round(v)} MiB`),
    ];
    const svg = [
      `<svg xmlns="http://www.w3.org/2000/svg" width="${2 * W}" height="${2 * H}" viewBox="0 0 ${2 * W} ${2 * H}" font-family="Inter, Helvetica, Arial, sans-serif">`,
      `<rect width="${2 * W}" height="${2 * H}" fill="#111217"/>`,
      ...panels.map((p) => `<g transform="translate(4,4)">${p}</g>`),
      '</svg>',
      '',
    ].join('\n');
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, svg);
    process.stdout.write(`wrote ${path.relative(process.cwd(), out)} from ${SCRAPES} scrapes\n`);
  } finally {
    await proc?.stop();
    await api.stop();
    fs.rmSync(logDir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : e}\n`);
  process.exit(1);
});
