// Summarizes a V8 .cpuprofile (from `node --cpu-prof`): self time per function, top first, so
// the benchmark can name the server's hotspots without opening DevTools.
import * as fs from 'fs';
import * as path from 'path';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface Hotspot {
  readonly fn: string;
  readonly selfMs: number;
  readonly percent: number;
}

/** The newest .cpuprofile in `dir`, if any. */
export function newestProfile(dir: string): string | undefined {
  if (!fs.existsSync(dir)) return undefined;
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).map((f) => path.join(dir, f));
  return files.sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs)[0];
}

/** Self time by function (name + file:line), excluding idle, top `limit`. */
export function hotspots(file: string, limit = 20): Hotspot[] {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<string, number>();
  let totalUs = 0;
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    if (!node || node.callFrame.functionName === '(idle)') return;
    const delta = profile.timeDeltas[i] ?? 0;
    const { functionName, url, lineNumber } = node.callFrame;
    const key = `${functionName || '(anonymous)'} ${url ? `${path.basename(url)}:${lineNumber + 1}` : ''}`.trim();
    selfUs.set(key, (selfUs.get(key) ?? 0) + delta);
    totalUs += delta;
  });
  return [...selfUs.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([fn, us]) => ({ fn, selfMs: us / 1000, percent: totalUs ? (100 * us) / totalUs : 0 }));
}

export function renderHotspots(file: string, limit = 20): string {
  const lines = [`Self time of the receiver server (busy samples only), ${path.basename(file)}:`, '', '| Function | Self ms | % of busy |', '|---|---:|---:|'];
  for (const h of hotspots(file, limit)) lines.push(`| \`${h.fn}\` | ${h.selfMs.toFixed(0)} | ${h.percent.toFixed(1)} |`);
  return lines.join('\n') + '\n';
}
