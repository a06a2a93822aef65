// Part 6, many receivers: 3,000 and then 10,000 receivers (each with two CEL filters) in one
// mounted ConfigMap, swapped the way the kubelet swaps it, three times each, while one client asks
// /healthz back to back and another sends signed deliveries to a receiver the swap leaves alone
// (`npx projen bench:reload` measures the same, bench/server/reload-pause.ts). Every delivery must
// get 200 and the longest gap between two health answers must stay under a second.
import * as path from 'path';
import type { PartContext } from './fleet';
import { Check, PartResult } from './report';
import { SERVER_BUNDLE } from '../../test/harness/server-bundle';
import { createReloadTargets, measureReloads, median } from '../server/reload-pause';

const PAUSE_LIMIT_MS = 1000;

export interface ManyReceiversOptions {
  readonly sizes: readonly number[];
  readonly reloads: number;
  readonly logDir: string;
}

export async function manyReceiversPart(ctx: PartContext, options: ManyReceiversOptions): Promise<PartResult> {
  const started = Date.now();
  await createReloadTargets();
  const checks: Check[] = [];
  const figures: Array<[string, string]> = [];
  let requests = 0;
  let not200 = 0;
  for (const n of options.sizes) {
    const rounds = await measureReloads(n, options.reloads, SERVER_BUNDLE, ctx.api.kubeconfigPath, path.join(options.logDir), (line) => ctx.log(`many-receivers: ${line}`));
    const pauses = rounds.map((r) => r.pauseMs);
    const deliveries = rounds.reduce((sum, r) => sum + r.deliveries, 0);
    const failed = rounds.reduce((sum, r) => sum + r.deliveriesNot200, 0);
    requests += deliveries;
    not200 += failed;
    figures.push([`${n.toLocaleString('en-US')} receivers`, `longest pause ${Math.max(...pauses)} ms, median ${median(pauses)} ms (${median(rounds.map((r) => r.quietPauseMs))} ms over as long with no reload); reload ${median(rounds.map((r) => r.reloadMs))} ms (median); ${deliveries.toLocaleString('en-US')} deliveries meanwhile`]);
    checks.push({ name: `${n.toLocaleString('en-US')} receivers: every delivery during a reload gets 200`, pass: failed === 0 && deliveries > 0, detail: `${failed} of ${deliveries} not 200` });
    checks.push({ name: `${n.toLocaleString('en-US')} receivers: no health check waits ${PAUSE_LIMIT_MS} ms`, pass: Math.max(...pauses) < PAUSE_LIMIT_MS, detail: `longest gap ${Math.max(...pauses)} ms` });
  }
  const histogram = new Map<string, number>([['200', requests - not200], ...(not200 ? [['other', not200] as [string, number]] : [])]);
  return { id: 'many-receivers', title: '6. Many receivers', seconds: (Date.now() - started) / 1000, requests, histogram, figures, checks };
}
