// Summarizes a V8 .cpuprofile (from `node --cpu-prof`): self time per function, top first, so
// the benchmark can name the server's hotspots without opening DevTools. Frames of the minified
// bundle are mapped back to the TypeScript/package source through its linked source map.
import * as fs from 'fs';
import { SourceMap } from 'module';
import * as path from 'path';
import { fileURLToPath } from 'url';

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
  readonly columnNumber: number;
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
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

/** Self time by function (source location), excluding idle, top `limit`. */
export function hotspots(file: string, limit = 25): Hotspot[] {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const maps = new Map<string, SourceMap | undefined>();
  const selfUs = new Map<string, number>();
  let totalUs = 0;
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    if (!node || node.callFrame.functionName === '(idle)') return;
    const delta = profile.timeDeltas[i] ?? 0;
    const key = _describe(node.callFrame, maps);
    selfUs.set(key, (selfUs.get(key) ?? 0) + delta);
    totalUs += delta;
  });
  return [...selfUs.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([fn, us]) => ({ fn, selfMs: us / 1000, percent: totalUs ? (100 * us) / totalUs : 0 }));
}

export function renderHotspots(file: string, limit = 25): string {
  const lines = [
    `Self time of the receiver server under this run's load (busy samples only; \`${path.basename(file)}\`, source-mapped):`,
    '',
    '| Function (source) | Self ms | % of busy |',
    '|---|---:|---:|',
  ];
  for (const h of hotspots(file, limit)) lines.push(`| \`${h.fn}\` | ${h.selfMs.toFixed(0)} | ${h.percent.toFixed(1)} |`);
  return lines.join('\n') + '\n';
}

function _describe(frame: CallFrame, maps: Map<string, SourceMap | undefined>): string {
  const name = frame.functionName || '(anonymous)';
  if (!frame.url) return name;
  const map = _sourceMap(frame.url, maps);
  const entry = map?.findEntry(frame.lineNumber, frame.columnNumber) as { originalSource?: string; originalLine?: number; name?: string } | undefined;
  if (entry?.originalSource) {
    const source = entry.originalSource.replace(/^.*?\/node_modules\//, '').replace(/^(\.\.\/)+/, '');
    return `${entry.name ?? name} ${source}:${(entry.originalLine ?? 0) + 1}`;
  }
  return `${name} ${path.basename(frame.url)}:${frame.lineNumber + 1}`;
}

function _sourceMap(url: string, maps: Map<string, SourceMap | undefined>): SourceMap | undefined {
  if (!maps.has(url)) {
    let map: SourceMap | undefined;
    try {
      const file = url.startsWith('file:') ? fileURLToPath(url) : url;
      if (fs.existsSync(`${file}.map`)) map = new SourceMap(JSON.parse(fs.readFileSync(`${file}.map`, 'utf8')));
    } catch {
      map = undefined;
    }
    maps.set(url, map);
  }
  return maps.get(url);
}
