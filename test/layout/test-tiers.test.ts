// The two test tiers (CONTRIBUTING.md), kept true. A test that loads, directly or through a
// helper, a harness module that starts a process, a server or a build is an integration test and
// is named `*.integration.test.ts`; every other test is a unit test, named `*.test.ts`, and runs
// in `npx projen test:unit` with no apiserver, no bundle and no image.
import * as path from 'path';
import { ImportEdge, repositoryImports, ROOT, sourceFiles } from './_imports';

/** The harness modules that make a test an integration test, and why. */
export const INTEGRATION_HARNESS: Readonly<Record<string, string>> = {
  'test/harness/apiserver.ts': 'starts kube-apiserver and etcd',
  'test/harness/kube.ts': 'talks to the test apiserver',
  'test/harness/server-bundle.ts': 'builds the server bundle',
  'test/harness/server-process.ts': 'runs the bundled server as a process',
  'test/harness/flux-cel.ts': "builds and runs Flux's CEL evaluator",
  'test/harness/git-server.ts': 'serves Git over HTTP',
};

export const INTEGRATION_SUFFIX = '.integration.test.ts';
/** The cluster tier (`npx projen test:cluster`) and the release suite (`npx projen release:check`) have their own rules. */
const OWN_TIER = /^test\/(cluster|release\/packed)\//;

/** For each test file, the first chain of imports that reaches an integration harness module. */
export function integrationChains(edges: readonly ImportEdge[]): Map<string, string[]> {
  const runtime = new Map<string, string[]>();
  for (const e of edges) {
    if (e.typeOnly) continue;
    if (!runtime.has(e.from)) runtime.set(e.from, []);
    runtime.get(e.from)!.push(e.to);
  }
  const chains = new Map<string, string[]>();
  const tests = [...new Set(edges.map((e) => e.from))].filter((f) => f.endsWith('.test.ts'));
  for (const test of tests) {
    // Breadth first: the shortest chain, which is the one to read in a message.
    const seen = new Map<string, string[]>([[test, [test]]]);
    const queue = [test];
    while (queue.length > 0) {
      const file = queue.shift()!;
      if (INTEGRATION_HARNESS[file]) {
        chains.set(test, seen.get(file)!);
        break;
      }
      for (const next of runtime.get(file) ?? []) {
        if (seen.has(next)) continue;
        seen.set(next, [...seen.get(file)!, next]);
        queue.push(next);
      }
    }
  }
  return chains;
}

/** Test files whose name puts them in the other tier than the one their imports need. */
export function tierViolations(testFiles: readonly string[], edges: readonly ImportEdge[]): string[] {
  const chains = integrationChains(edges);
  const problems: string[] = [];
  for (const file of testFiles.filter((f) => !OWN_TIER.test(f))) {
    const chain = chains.get(file);
    const named = file.endsWith(INTEGRATION_SUFFIX);
    if (chain && !named) {
      const harness = chain[chain.length - 1];
      problems.push(`${file} is in the unit tier but loads ${chain.slice(1).join(' → ')}, which ${INTEGRATION_HARNESS[harness]}: `
        + `rename it to ${file.replace(/\.test\.ts$/, INTEGRATION_SUFFIX)}, or keep it a unit test by not loading ${harness}`);
    } else if (!chain && named) {
      problems.push(`${file} is named as an integration test but loads no integration harness module (${Object.keys(INTEGRATION_HARNESS).join(', ')}): `
        + `rename it to ${file.replace(INTEGRATION_SUFFIX, '.test.ts')} so that the unit tier runs it`);
    }
  }
  return problems;
}

describe('the check itself', () => {
  const edge = (from: string, to: string, typeOnly = false): ImportEdge => ({ from, to, typeOnly });

  test('a unit-named test that reaches the apiserver through a helper is reported with the chain and the fix', () => {
    expect(tierViolations(['test/a/x.test.ts'], [edge('test/a/x.test.ts', 'test/a/helper.ts'), edge('test/a/helper.ts', 'test/harness/kube.ts')])).toEqual([
      'test/a/x.test.ts is in the unit tier but loads test/a/helper.ts → test/harness/kube.ts, which talks to the test apiserver: '
      + 'rename it to test/a/x.integration.test.ts, or keep it a unit test by not loading test/harness/kube.ts',
    ]);
  });

  test('an integration-named test that needs no harness is reported; a type-only import needs none', () => {
    expect(tierViolations(['test/a/y.integration.test.ts'], [edge('test/a/y.integration.test.ts', 'test/harness/kube.ts', true)])).toEqual([
      expect.stringContaining('test/a/y.integration.test.ts is named as an integration test but loads no integration harness module'),
    ]);
  });

  test('each file in its right tier is not reported', () => {
    expect(tierViolations(['test/a/x.integration.test.ts', 'test/a/y.test.ts'], [
      edge('test/a/x.integration.test.ts', 'test/harness/server-bundle.ts'),
      edge('test/a/y.test.ts', 'server/http/read-body.ts'),
    ])).toEqual([]);
  });
});

describe('the repository', () => {
  const edges = repositoryImports(['test', 'server', 'src', 'image', 'bench', 'examples']);
  const testFiles = sourceFiles(path.join(ROOT, 'test')).map((f) => path.relative(ROOT, f).split(path.sep).join('/')).filter((f) => f.endsWith('.test.ts'));

  test('the scan sees both tiers', () => {
    expect(testFiles.filter((f) => f.endsWith(INTEGRATION_SUFFIX)).length).toBeGreaterThan(10);
    expect(testFiles.filter((f) => !f.endsWith(INTEGRATION_SUFFIX) && !OWN_TIER.test(f)).length).toBeGreaterThan(10);
  });

  test('each test file is named for the tier its imports need', () => {
    expect(tierViolations(testFiles, edges)).toEqual([]);
  });

  test('no two test files share a name', () => {
    const byName = new Map<string, string[]>();
    for (const f of testFiles) byName.set(path.posix.basename(f), [...(byName.get(path.posix.basename(f)) ?? []), f]);
    expect([...byName.values()].filter((files) => files.length > 1)).toEqual([]);
  });
});
