import { cdk8s, javascript } from 'projen';

// Server-side dependencies are devDependencies on purpose: esbuild bundles them into
// assets/receiver-server/server.cjs, so they never become part of the jsii API or the
// runtime dependencies of the construct library.
const serverDeps = [
  '@kubernetes/client-node@1.4.0', // 2.x needs Node >= 22.19 (see shared toolchain notes)
  'jose@^6.2.17',
  'prom-client@^15.1.3',
  'yaml@^2.9.1',
  'ajv@^8.20.0',
  'ajv-formats@^3.0.1',
  'punycode@^2.3.1', // bundled in place of Node's deprecated built-in (server/build.mjs)
];

const toolDeps = [
  'esbuild@0.28.2',
  'fast-check@^4.10.2',
  'autocannon@9.0.0',
  '@types/autocannon@^7.12.7',
  'cdk8s-cli@^2.207.60',
  '@types/node@^20',
  'typescript@~6.0.3',
  // What `cdk8s init typescript-app` installs: test/constructs/plus-33-app.integration.test.ts uses the constructs in such an app.
  'cdk8s-plus-33@2.5.57',
];

// ESM-only packages that jest (CJS) must transform.
const esmPackages = ['@kubernetes/client-node', 'openid-client', 'oauth4webapi', 'jose', '@marcbachmann/cel-js'];

const INTEGRATION_SUFFIX = '.integration.test.ts';
// The cluster tier runs on its own (`test:cluster`, below): one cluster per machine, root.
const notInTheMainTiers = ['/node_modules/', '<rootDir>/test/cluster/'];
/** What both jest projects (the test tiers) share. */
function testTier(name: string) {
  return {
    displayName: name,
    testTimeout: 120_000,
    clearMocks: true,
    setupFilesAfterEnv: ['<rootDir>/test/harness/jest-every-test-asserts.ts'],
    transformIgnorePatterns: [`/node_modules/(?!(${esmPackages.join('|')})/)`],
    transform: {
      '^.+\\.[t]sx?$': ['ts-jest', { tsconfig: 'test/tsconfig.json' }],
      '^.+\\.[tj]sx?$': ['ts-jest', { tsconfig: '<rootDir>/test/tsconfig.jest.json', isolatedModules: true }],
    },
  };
}

const project = new cdk8s.ConstructLibraryCdk8s({
  name: 'cdk8s-flux-webhooks',
  description: 'cdk8s constructs and a Flux-compatible webhook receiver server for GitOps clusters',
  author: 'cdk8s-flux-webhooks contributors',
  authorAddress: 'maintainers@cdk8s-flux-webhooks.dev',
  repositoryUrl: 'https://github.com/cdk8s-flux-webhooks/cdk8s-flux-webhooks.git',
  license: 'Apache-2.0',
  keywords: ['cdk8s', 'flux', 'fluxcd', 'gitops', 'webhook', 'kubernetes', 'receiver'],
  defaultReleaseBranch: 'main',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,

  cdk8sVersion: '2.70.106',
  constructsVersion: '10.3.0', // cdk8s-plus-28 peers on constructs ^10.3.0
  peerDeps: ['cdk8s-plus-28@^2.5.6'],
  jsiiVersion: '~6.0.0',
  typescriptVersion: '~6.0.3',
  // Supported: what CI tests (.ci/run runs the suite on Node 22 and 24). Node 20 is end of life;
  // it may still run the build tools. 22.12: the first 22 that `require`s an ES module (cel-js)
  // without a flag.
  minNodeVersion: '22.12.0',

  devDeps: [...serverDeps, ...toolDeps],
  // The runtime dependencies shared by both halves: the constructs compile CEL filters at synth
  // time with the server's environments (src/model/cel/). jsii accepts a non-jsii dependency only
  // bundled; cel-js is ESM-only, loaded by `require` (Node >= 20.19 / 22.12, see tsconfig below).
  bundledDeps: [
    '@marcbachmann/cel-js@8.0.0', // optional types + type checker (@bufbuild/cel cannot parse `.?`)
    're2js@2.10.0', // CEL `matches` on RE2 (src/model/cel/re2-matches.ts): linear time, Go's syntax
  ],

  publishToPypi: {
    distName: 'cdk8s-flux-webhooks',
    module: 'cdk8s_flux_webhooks',
  },
  // Go and Maven targets are not configured: their builds need cdk8s's Go module
  // (github.com/cdk8s-team/cdk8s-core-go) and Maven artifact (org.cdk8s:cdk8s), which the
  // registries reachable here do not serve; NuGet needs a .NET SDK this machine lacks.

  github: false,
  release: false,
  depsUpgrade: false,
  pullRequestTemplate: false,

  // node20 (unlike node16) lets the CommonJS output `require` an ES module (cel-js).
  tsconfig: {
    compilerOptions: { module: 'node20' },
  },

  tsconfigDev: {
    include: ['server/**/*.ts', 'bench/**/*.ts', 'examples/**/*.ts', 'image/**/*.ts'],
    compilerOptions: {},
  },

  jestOptions: {
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    passWithNoTests: false,
    jestConfig: {
      // Two tiers (CONTRIBUTING.md), run together by `jest`: `unit` needs nothing running, and
      // `integration` (`*.integration.test.ts`) gets the real kube-apiserver of the global setup,
      // which jest starts only when an integration test is selected. `test:unit` runs the first
      // alone. test/layout/test-tiers.test.ts keeps each file in the tier its imports need.
      projects: [
        {
          ...testTier('unit'),
          testMatch: ['<rootDir>/test/**/*.test.ts'],
          testPathIgnorePatterns: [...notInTheMainTiers, `${INTEGRATION_SUFFIX.replace(/\./g, '\\.')}$`],
        },
        {
          ...testTier('integration'),
          testMatch: [`<rootDir>/test/**/*${INTEGRATION_SUFFIX}`],
          testPathIgnorePatterns: notInTheMainTiers,
          globalSetup: '<rootDir>/test/harness/jest-global-setup.ts',
          globalTeardown: '<rootDir>/test/harness/jest-global-teardown.ts',
        },
      ],
      testTimeout: 120_000,
      coverageReporters: ['text-summary', 'lcov'],
      // Coverage instrumentation of the transpiled ESM dependencies is slow and meaningless.
      collectCoverage: false,
    },
  },

  gitignore: ['/assets/', '/dist/', '/.cache/', '/bench/results/', '/image/out/', '/test-reports/'],
});

project.addFields({
  bin: { 'flux-webhook-receiver': 'assets/receiver-server/server.cjs' },
  // npm runs no dependency's install script unless listed here. The build needs neither of these:
  // esbuild's postinstall only re-checks the platform binary its optional dependency already
  // installed, and @parcel/watcher's builds from source only where no prebuilt binary exists.
  // Denied explicitly, so installs do not ask about them.
  allowScripts: { 'esbuild': false, '@parcel/watcher': false },
});
project.addPackageIgnore('!/assets/');
project.addPackageIgnore('/server/');
project.addPackageIgnore('/bench/');
project.addPackageIgnore('/image/');
project.addPackageIgnore('/examples/');
project.addPackageIgnore('/docs/');
// Repository-only material: CI, generators, vendored CRDs (the L1s in lib/imports/ are generated
// from them), and the bundle's source map (5 MB; the bundle keeps names for readable traces).
project.addPackageIgnore('/.ci/');
project.addPackageIgnore('/tools/');
project.addPackageIgnore('/crds/');
project.addPackageIgnore('*.map');

// `npm ci` fails on this registry (optional platform packages missing from the lockfile).
project.tasks.tryFind('install:ci')?.reset('npm install --no-audit --no-fund');

// Lint and type-check the server, which jsii does not compile.
project.eslint?.addLintPattern('server');
project.eslint?.addLintPattern('bench');
project.eslint?.addLintPattern('examples');
project.eslint?.addLintPattern('image');
project.eslint?.addIgnorePattern('src/imports/');
// The server bundles its devDependencies (esbuild), so importing them there is intended.
project.eslint?.allowDevDeps('server/**');
project.eslint?.allowDevDeps('bench/**');

const bundle = project.addTask('bundle:server', {
  description: 'Bundle the receiver server into assets/receiver-server/server.cjs',
  exec: 'node server/build.mjs',
});
const typecheck = project.addTask('typecheck:server', {
  description: 'Type-check the receiver server (not compiled by jsii)',
  exec: 'tsc -p server/tsconfig.json --noEmit',
});
project.preCompileTask.spawn(typecheck);
project.preCompileTask.spawn(bundle);
// Every package carries a bundle built from the sources it was packed with (the npm tarball's bin,
// and the same tarball inside the Python wheel), even when packed without a full build.
project.tasks.tryFind('package:js')?.prependSpawn(bundle);
project.tasks.tryFind('package:python')?.prependSpawn(bundle);

// Loopback benchmark of the bundled server against a bare node:http baseline, adnanh/webhook and
// Flux's notification-controller (bench/README.md). Extra arguments go to the benchmark, e.g.
// `-- --rounds 1 --duration 2`.
const benchServer = project.addTask('bench:server', {
  description: 'Benchmark the receiver server against a bare node:http baseline, adnanh/webhook and notification-controller (writes bench/results/server/results.md)',
});
benchServer.spawn(bundle);
benchServer.exec('ts-node --transpile-only --project test/tsconfig.json bench/server/run.ts', { receiveArgs: true });

const benchReload = project.addTask('bench:reload', {
  description: 'How long a reload of 3,000 and 10,000 receivers holds the bundled server (docs/benchmarks.md)',
});
benchReload.spawn(bundle);
benchReload.exec('ts-node --transpile-only --project test/tsconfig.json bench/server/reload-pause.ts', { receiveArgs: true });

// The long form of the reliability suite (docs/reliability.md): fuzzing, a mixed soak, an API
// server outage and restart, SIGTERM under load, each checked against what the apiserver stored.
// It builds the bundle itself; extra arguments go to it, e.g. `--parts fuzz --fuzz-requests 5000`.
project.addTask('reliability', {
  description: 'Long-form reliability run of the bundled receiver server (writes bench/results/reliability/results.md)',
  exec: 'ts-node --transpile-only --project test/tsconfig.json bench/reliability/run.ts',
  receiveArgs: true,
});

// The unit tier alone: no apiserver, no bundle, no image (CONTRIBUTING.md).
project.addTask('test:unit', {
  description: 'Run the unit tier of the test suite alone (no apiserver, no server bundle, no image)',
  exec: 'jest --ci --selectProjects unit',
  receiveArgs: true,
});

const testbin = project.addTask('testbin', {
  description: 'Build (or reuse from cache) kube-apiserver and etcd for the test harness',
  exec: 'bash test/harness/testbin/build.sh',
});
project.testTask.prependSpawn(testbin);

// The cluster tier (test/cluster/): a one-node cluster whose pods run (test/harness/cluster/), with
// the node's components built like the testbin, Debian's containerd, runc and CNI plugins, and
// the receiver image from image/out. Last step of `test`, after the main suite.
const nodebin = project.addTask('nodebin', {
  description: 'Build (or reuse from cache) kube-controller-manager, kube-scheduler, kubelet, kube-proxy and the pause program for the test cluster',
  exec: 'bash test/harness/cluster/nodebin/build.sh',
});
const testCluster = project.addTask('test:cluster', {
  description: 'The cluster tier: tests against a one-node cluster whose pods run (needs root, containerd, runc, CNI plugins)',
});
const sourceController = project.addTask('source-controller', {
  description: "Build (or reuse from cache) Flux's source-controller for the cluster tier",
  exec: 'bash test/harness/flux/build.sh',
});
testCluster.spawn(testbin);
testCluster.spawn(nodebin);
testCluster.spawn(sourceController);
testCluster.exec("jest --ci --runInBand --selectProjects integration --testPathIgnorePatterns /node_modules/ --testMatch '<rootDir>/test/cluster/**/*.test.ts'", { receiveArgs: true });
project.testTask.spawn(testCluster);
project.addTask('bench:cluster', {
  description: 'Push-to-revision latency on the test cluster: bundled server and notification-controller, with source-controller (docs/benchmarks.md)',
  exec: 'ts-node --transpile-only --project test/tsconfig.jest.json bench/cluster/push-to-revision.ts',
  receiveArgs: true,
});
project.addTask('cluster', {
  description: 'Start the one-node test cluster with the receiver image on its node, for trying the guide; Ctrl-C removes it',
  exec: 'ts-node --transpile-only --project test/tsconfig.jest.json test/harness/cluster/run.ts',
});

// Package every jsii target (npm and PyPI) in CI too, so a broken Python build fails the build.
const packageTask = project.tasks.tryFind('package');
packageTask?.reset();
packageTask?.spawn(project.tasks.tryFind('package-all')!);

// Install the packed artifacts into empty apps (npm and a Python virtualenv) and synthesize a
// chart with each, as a user would (test/consumer/run.sh). Last step of `package`, so of the build.
const consumerTest = project.addTask('test:consumer', {
  description: 'Install the packed npm tarball and Python wheel into empty apps and synthesize a chart with each',
  exec: 'bash test/consumer/run.sh',
});
packageTask?.spawn(consumerTest);

project.addTask('import:crds', {
  description: 'Regenerate the typed L1 classes in src/imports/ from the vendored crds/',
  exec: 'bash tools/import-crds.sh',
});

project.addTask('examples', {
  description: 'Synthesize every example app into dist/examples/',
  exec: 'ts-node --transpile-only --project examples/tsconfig.json examples/synth-all.ts',
});
project.addTask('bench:synth', {
  description: 'Time the synthesis of 500 receivers / 500 exposures against 500 ConfigMaps (docs/benchmarks.md)',
  exec: 'ts-node --transpile-only --project bench/synth/tsconfig.json bench/synth/synth-500.ts',
});

// The receiver image, built without a container daemon (see docs/image.md).
project.addTask('image', {
  description: 'Build the receiver image (amd64+arm64 OCI layout in image/out/); reuses it when the inputs did not change',
  exec: 'ts-node --transpile-only --project test/tsconfig.jest.json image/build.ts',
  receiveArgs: true,
});

project.synth();
