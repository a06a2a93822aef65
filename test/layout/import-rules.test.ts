// The floor plan of docs/architecture.md, kept true: `_`-prefixed files are private to their
// folder (and that folder's mirror under test/), a `private` folder to the folder that holds it,
// no import loop between folders, and each server and construct folder imports only the folders
// below it. Imports are read with a regex over the sources (_imports.ts).
import * as path from 'path';
import { ImportEdge, repositoryImports } from './_imports';
import { mirrorOf } from './_mirror';

const SCANNED = ['server', 'src', 'test', 'bench', 'image', 'examples', 'tools'];
/** Leaves every folder may use: they import no other folder of the repository. */
const LEAVES = ['server/observability', 'server/wire', 'src/model', 'src/model/cel'];

/**
 * What each production folder may import besides the leaves (docs/architecture.md draws the same).
 * `server` itself (main.ts, cli.ts) is the entry point and may import anything.
 */
const MAY_IMPORT: Readonly<Record<string, readonly string[]>> = {
  'server/app': ['server/http', 'server/pipeline', 'server/receivers', 'server/providers', 'server/targets', 'server/trigger', 'server/kube'],
  'server/http': ['server/pipeline'],
  // The setup subcommands (token, url, send, register) sit beside app/: entry-level, used by main.ts only.
  'server/commands': ['server/commands/deliveries', 'server/commands/senders', 'server/receivers', 'server/receivers/files', 'server/kube'],
  'server/commands/deliveries': [],
  'server/commands/senders': [],
  'server/pipeline': ['server/receivers', 'server/providers', 'server/filters', 'server/targets', 'server/trigger', 'server/kube'],
  'server/receivers': ['server/providers', 'server/filters'],
  'server/receivers/files': ['server/receivers', 'server/providers'],
  'server/receivers/cluster': ['server/receivers', 'server/providers'],
  'server/providers': ['server/filters'],
  'server/verifiers': ['server/providers'],
  'server/filters': [],
  'server/targets': ['server/kube'],
  'server/trigger': [],
  'server/kube': [],
  'server/observability': [],
  'server/wire': [],
  'src': ['src/imports', 'src/private'],
  // The construct library's helpers: part of src/, which alone imports them (privateFolderViolations).
  'src/private': ['src', 'src/imports'],
  'src/model': [],
  'src/model/cel': [],
  'src/imports': [],
};

const folderOf = (file: string): string => path.posix.dirname(file.split(path.sep).join('/'));

/** The folder a `private` folder belongs to; any other folder belongs to itself. */
const ownerOf = (folder: string): string => (path.posix.basename(folder) === 'private' ? path.posix.dirname(folder) : folder);

/** Imports of a `_`-prefixed file from outside its folder (its mirror under test/ may use it). */
export function privateImportViolations(edges: readonly ImportEdge[]): string[] {
  return edges
    .filter((e) => path.posix.basename(e.to).startsWith('_'))
    .filter((e) => folderOf(e.from) !== folderOf(e.to) && folderOf(e.from) !== mirrorOf(folderOf(e.to)))
    .map((e) => `${e.from} imports ${e.to}`);
}

/**
 * Imports of a file in a `private` folder from outside the folder that holds it (that folder, the
 * private folder itself and the mirrors of both under test/ may use it), and from the holder's
 * index.ts, which re-exports the public API only.
 */
export function privateFolderViolations(edges: readonly ImportEdge[]): string[] {
  const problems: string[] = [];
  for (const e of edges) {
    const folder = folderOf(e.to);
    const owner = ownerOf(folder);
    if (owner === folder) continue;
    if (e.from === `${owner}/index.ts`) {
      problems.push(`${e.from} re-exports ${e.to}: ${folder}/ is not part of the public API`);
    } else if (![owner, folder, mirrorOf(owner), mirrorOf(folder)].includes(folderOf(e.from))) {
      problems.push(`${e.from} imports ${e.to}: ${folder}/ is private to ${owner}/`);
    }
  }
  return problems;
}

/**
 * Every folder-level import loop (strongly connected components of more than one folder). A
 * `private` folder counts as part of the folder that holds it.
 */
export function folderLoops(edges: readonly ImportEdge[]): string[][] {
  const graph = new Map<string, Set<string>>();
  for (const e of edges) {
    const [a, b] = [ownerOf(folderOf(e.from)), ownerOf(folderOf(e.to))];
    if (!graph.has(a)) graph.set(a, new Set());
    if (!graph.has(b)) graph.set(b, new Set());
    if (a !== b) graph.get(a)!.add(b);
  }
  // Tarjan's algorithm.
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const loops: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v)!) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) loops.push(component.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return loops;
}

/** Imports between production folders that the layer table does not allow. */
export function layerViolations(edges: readonly ImportEdge[], mayImport: Readonly<Record<string, readonly string[]>>): string[] {
  const problems = new Set<string>();
  for (const e of edges) {
    const [a, b] = [folderOf(e.from), folderOf(e.to)];
    if (a === b || a === 'server' || !(a === 'src' || a.startsWith('src/') || a.startsWith('server/'))) continue;
    const allowed = mayImport[a];
    if (!allowed) {
      problems.add(`${a} is not in the layer table of test/layout/import-rules.test.ts: add it (and draw it in docs/architecture.md)`);
    } else if (!allowed.includes(b) && !LEAVES.includes(b)) {
      problems.add(`${e.from} imports ${e.to}: ${a} may import only ${[...allowed, ...LEAVES.filter((l) => l !== a)].join(', ')}`);
    }
  }
  return [...problems];
}

describe('the checks themselves', () => {
  const edge = (from: string, to: string): ImportEdge => ({ from, to });

  test('a private file imported from another folder is reported; its own folder and its test mirror are not', () => {
    expect(privateImportViolations([
      edge('server/filters/cel.ts', 'server/providers/_json.ts'),
      edge('server/providers/github.ts', 'server/providers/_json.ts'),
      edge('test/server/providers/json.test.ts', 'server/providers/_json.ts'),
    ])).toEqual(['server/filters/cel.ts imports server/providers/_json.ts']);
  });

  test('a file of a private folder imported from outside its holder, or re-exported by the holder\'s index.ts, is reported', () => {
    expect(privateFolderViolations([
      edge('src/webhook-receiver.ts', 'src/private/validation.ts'),
      edge('src/private/receiver-set.ts', 'src/private/validation.ts'),
      edge('test/constructs/private/validation.test.ts', 'src/private/validation.ts'),
      edge('src/index.ts', 'src/private/validation.ts'),
      edge('src/model/receiver.ts', 'src/private/validation.ts'),
      edge('server/main.ts', 'src/private/validation.ts'),
      edge('examples/gitlab.ts', 'src/private/validation.ts'),
    ])).toEqual([
      'src/index.ts re-exports src/private/validation.ts: src/private/ is not part of the public API',
      'src/model/receiver.ts imports src/private/validation.ts: src/private/ is private to src/',
      'server/main.ts imports src/private/validation.ts: src/private/ is private to src/',
      'examples/gitlab.ts imports src/private/validation.ts: src/private/ is private to src/',
    ]);
  });

  test('a loop through three folders is found, a chain is not', () => {
    expect(folderLoops([edge('a/x.ts', 'b/y.ts'), edge('b/y.ts', 'c/z.ts'), edge('c/z.ts', 'a/w.ts'), edge('c/z.ts', 'd/v.ts')])).toEqual([['a', 'b', 'c']]);
    expect(folderLoops([edge('a/x.ts', 'b/y.ts'), edge('b/y.ts', 'c/z.ts')])).toEqual([]);
  });

  test('a private folder and the folder holding it import each other without a loop; a loop through it is found', () => {
    expect(folderLoops([edge('a/x.ts', 'a/private/y.ts'), edge('a/private/y.ts', 'a/z.ts')])).toEqual([]);
    expect(folderLoops([edge('a/x.ts', 'a/private/y.ts'), edge('a/private/y.ts', 'b/z.ts'), edge('b/z.ts', 'a/w.ts')])).toEqual([['a', 'b']]);
  });

  test('an import the layer table does not list, and a folder it does not know, are reported', () => {
    const table = { 'server/http': ['server/pipeline'] };
    expect(layerViolations([edge('server/http/a.ts', 'server/pipeline/b.ts'), edge('server/http/a.ts', 'server/wire/c.ts')], table)).toEqual([]);
    expect(layerViolations([edge('server/http/a.ts', 'server/kube/k.ts')], table)).toEqual([
      'server/http/a.ts imports server/kube/k.ts: server/http may import only server/pipeline, server/observability, server/wire, src/model, src/model/cel',
    ]);
    expect(layerViolations([edge('server/extra/a.ts', 'server/wire/c.ts')], table)).toEqual([
      'server/extra is not in the layer table of test/layout/import-rules.test.ts: add it (and draw it in docs/architecture.md)',
    ]);
  });
});

describe('the repository', () => {
  const edges = repositoryImports(SCANNED);

  test('the scan sees the server pipeline', () => {
    expect(edges).toContainEqual(expect.objectContaining({ from: 'server/http/webhook-server.ts', to: 'server/pipeline/delivery.ts' }));
  });

  test('no `_`-prefixed file is imported from outside its folder', () => {
    expect(privateImportViolations(edges)).toEqual([]);
  });

  test('src/private/ is imported only from src/ (and the tests of either), never re-exported by src/index.ts', () => {
    expect(edges).toContainEqual(expect.objectContaining({ from: 'src/webhook-receiver.ts', to: 'src/private/validation.ts' }));
    expect(privateFolderViolations(edges)).toEqual([]);
  });

  test('no import loop between folders', () => {
    expect(folderLoops(edges.filter((e) => /^(server|src)\//.test(e.from)))).toEqual([]);
  });

  test('each server and construct folder imports only what docs/architecture.md allows it', () => {
    expect(layerViolations(edges, MAY_IMPORT)).toEqual([]);
  });
});
