// The repository's relative imports, read with a regex over the sources: what the layout tests
// check (import-rules.test.ts, test-tiers.test.ts).
import * as fs from 'fs';
import * as path from 'path';

export const ROOT = path.join(__dirname, '..', '..');

export interface ImportEdge {
  /** Repository-relative path of the importing file. */
  readonly from: string;
  /** Repository-relative path of the imported file. */
  readonly to: string;
  /** `import type …` / `export type … from`: erased by the compiler, loads nothing at run time. */
  readonly typeOnly?: boolean;
}

const IMPORT = /(?:\b(import|export)\s+(type\s+)?(?:[\w*{}\s,$]*?\bfrom\s+)?|\bimport\s*\(\s*|\brequire\s*\(\s*)['"](\.{1,2}\/[^'"]*)['"]/g;

export function sourceFiles(dir: string, out: string[] = []): string[] {
  if (!fs.existsSync(dir)) return out;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) sourceFiles(full, out);
    else if (/\.(ts|mjs)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push(full);
  }
  return out;
}

function resolveImport(fromFile: string, spec: string): string | undefined {
  const base = path.resolve(path.dirname(fromFile), spec);
  for (const candidate of [base, `${base}.ts`, `${base}.mjs`, path.join(base, 'index.ts')]) {
    if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return candidate;
  }
  return undefined;
}

/** Every relative import of the files under `folders` (repository-relative). */
export function repositoryImports(folders: readonly string[]): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const file of folders.flatMap((d) => sourceFiles(path.join(ROOT, d)))) {
    const text = fs.readFileSync(file, 'utf8');
    for (const match of text.matchAll(IMPORT)) {
      const target = resolveImport(file, match[3]);
      if (!target) continue;
      edges.push({ from: toPosix(path.relative(ROOT, file)), to: toPosix(path.relative(ROOT, target)), typeOnly: match[2] !== undefined });
    }
  }
  return edges;
}

const toPosix = (file: string): string => file.split(path.sep).join('/');
