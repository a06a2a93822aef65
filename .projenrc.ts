import { cdk8s, github, javascript, JsonPatch, release } from 'projen';

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
  // The Prometheus UI's PromQL grammar: the monitoring tests read the metric and label names out of
  // every expression the constructs generate (promtool, built from Go, checks that they parse).
  '@prometheus-io/lezer-promql@0.315.0',
];

// ESM-only packages that jest (CJS) must transform.
const esmPackages = ['@kubernetes/client-node', 'openid-client', 'oauth4webapi', 'jose', '@marcbachmann/cel-js'];

const INTEGRATION_SUFFIX = '.integration.test.ts';
// The cluster tier runs on its own (`test:cluster`, below): one cluster per machine, root. The
// release suite (`release:check`) reads the packed artifacts, made after the tests.
const notInTheMainTiers = ['/node_modules/', '<rootDir>/test/cluster/', '<rootDir>/test/release/packed/'];
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

  // Releases (README, "Releasing"): `npx projen release` bumps the version from the commit
  // messages, writes CHANGELOG.md, builds every artifact for that version (npm, PyPI, image),
  // checks they agree, then commits and tags; the maintainer pushes the tag.
  release: true,
  releaseTrigger: release.ReleaseTrigger.manual({ changelogPath: 'CHANGELOG.md', gitPushCommand: '' }),
  // The bump follows the commit messages (Conventional Commits: feat → minor, fix → patch,
  // `!` or BREAKING CHANGE → major; one step lower on 0.y.z); RELEASE_AS overrides it with a
  // version or a bump type, e.g. the first release (`RELEASE_AS=0.1.0`) or 1.0.0.
  nextVersionCommand: 'node -e "process.stdout.write(process.env.RELEASE_AS || \'\')"',
  github: true,
  githubOptions: { mergify: false },
  // The pull-request build runs .ci/run (patched in below), which fails on any file the build
  // changes instead of pushing the change back.
  buildWorkflowOptions: { mutableBuild: false },
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

// `_` marks a file private to its folder and, in src/, a jsii internal member (`_toSpec()`):
// what the language already keeps private (a module's declarations, `private` members) carries
// none, exported module-level names neither (CONTRIBUTING.md, "Layout rules"). Unused parameters
// and locals keep TypeScript's `_`: the rule leaves them alone.
const noUnderscore = { leadingUnderscore: 'forbid', format: null };
project.eslint?.addOverride({
  files: ['server/**/*.ts', 'src/**/*.ts'],
  rules: {
    '@typescript-eslint/naming-convention': ['error',
      { selector: ['variable', 'function'], modifiers: ['global'], ...noUnderscore },
      { selector: ['class', 'interface', 'typeAlias', 'enum'], ...noUnderscore },
      { selector: 'memberLike', modifiers: ['private'], ...noUnderscore }],
  },
});

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

// The unit tier alone: no apiserver, no bundle, no image (CONTRIBUTING.md). Its files wait on
// timers, loopback servers and child processes about as long as they compute, so one worker more
// than the CPUs keeps them busy (jest's default is one fewer).
project.addTask('test:unit', {
  description: 'Run the unit tier of the test suite alone (no apiserver, no server bundle, no image)',
  exec: 'jest --ci --selectProjects unit --maxWorkers=$(node -p "require(\'os\').availableParallelism() + 1")',
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
const registry = project.addTask('registry', {
  description: 'Build (or reuse from cache) the OCI registry the tests push to and pull from on loopback',
  exec: 'bash test/harness/registry/build.sh',
});
testCluster.spawn(testbin);
testCluster.spawn(nodebin);
testCluster.spawn(sourceController);
testCluster.spawn(registry);
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

// The dashboard picture in the README and docs/monitoring.md, from a minute of real deliveries.
project.addTask('monitoring:picture', {
  description: 'Draw docs/images/monitoring-dashboard.svg from a run of the bundled server (docs/monitoring.md)',
  exec: 'ts-node --transpile-only --project bench/tsconfig.json bench/monitoring/dashboard-picture.ts',
});

// The receiver image, built without a container daemon (see docs/image.md).
project.addTask('image', {
  description: 'Build the receiver image (amd64+arm64 OCI layout in image/out/); reuses it when the inputs did not change',
  exec: 'ts-node --transpile-only --project test/tsconfig.jest.json image/build.ts',
  receiveArgs: true,
});

// --- Releasing (README, "Releasing") -------------------------------------------------------------
// The release suite (test/release/packed/): every artifact of one version agrees on it (npm
// tarball, wheel and sdist, image labels and tag, the image the constructs render, `--version` of
// each bin), and publishing is rehearsed: `npm publish --dry-run`, `twine check`, the image pushed
// to a registry on loopback and pulled back. It reads what `package-all` and `image` made; CI runs
// it after the build.
const releaseCheck = project.addTask('release:check', {
  description: 'Check the packed artifacts (dist/, image/out/) agree on the version and rehearse publishing them',
  exec: 'jest --ci --runInBand --config test/release/packed/jest.config.js',
  receiveArgs: true,
});
// `release` (projen's): bump + changelog entry, build (tests, npm + PyPI packages), then the image
// and the release suite for that version, before the version file is reset and the tag is made.
const releaseTask = project.tasks.tryFind('release')!;
const afterBuild = releaseTask.steps.findIndex((s) => s.spawn === project.buildTask.name) + 1;
releaseTask.insertStep(afterBuild, { spawn: 'image' }, { spawn: releaseCheck.name });
// Publishing the packed artifacts of dist/ with publib (what projen's own release jobs use; it
// skips a version the registry already has) and the image. Each needs a maintainer's credentials
// (README, "Releasing").
project.addTask('publish:npm', {
  description: 'Publish dist/js/ to npm (NPM_TOKEN, or NPM_TRUSTED_PUBLISHER=true in a trusted workflow)',
  exec: 'bash tools/release/publish-npm.sh',
  receiveArgs: true,
});
project.addTask('publish:pypi', {
  description: 'Publish dist/python/ to PyPI (TWINE_USERNAME=__token__ and TWINE_PASSWORD, or PYPI_TRUSTED_PUBLISHER=true in a trusted workflow)',
  exec: 'npx -p publib@0.2.1061 publib-pypi dist/python',
});
// The image goes where the constructs look for it: <DEFAULT_IMAGE_REPOSITORY>:v<version>.
project.addTask('publish:image', {
  description: 'Push the image in image/out/ to its registry (IMAGE_REGISTRY_USERNAME / IMAGE_REGISTRY_PASSWORD)',
  exec: 'bash tools/release/publish-image.sh',
  receiveArgs: true,
});

// --- Workflows for the project's home (checked by test/repo/workflows.test.ts with actionlint) ----
const setupSteps: github.workflows.JobStep[] = [
  { name: 'Setup Go', uses: 'actions/setup-go@v5', with: { 'go-version': '1.26', 'cache': false } },
  { name: 'Setup Python', uses: 'actions/setup-python@v5', with: { 'python-version': '3.11' } },
];
// The pull-request build runs the CI entry point (root: it installs Debian packages and starts the
// cluster tier's node), not projen's bare `build`.
const buildWorkflow = project.github!.tryFindWorkflow('build')!;
buildWorkflow.file!.patch(
  JsonPatch.add('/jobs/build/steps/2', setupSteps[0]),
  JsonPatch.add('/jobs/build/steps/3', setupSteps[1]),
  // .ci/run installs the dependencies itself (`npm install`: see install:ci above).
  JsonPatch.test('/jobs/build/steps/4/run', 'npm ci'),
  JsonPatch.remove('/jobs/build/steps/4'),
  JsonPatch.test('/jobs/build/steps/4/run', 'npx projen build'),
  // root's git must accept the runner's checkout; the runner's user gets the files back after.
  JsonPatch.replace('/jobs/build/steps/4/run', [
    'sudo git config --system --add safe.directory "$PWD"',
    'status=0; sudo --preserve-env env "PATH=$PATH" bash .ci/run || status=$?',
    'sudo chown -R "$(id -u):$(id -g)" .',
    'exit "$status"',
  ].join('\n')),
);
buildWorkflow.on({ pullRequest: {}, workflowDispatch: {}, push: { branches: ['main'] } });

// A tag made by `npx projen release` (vX.Y.Z, on its `chore(release): X.Y.Z` commit) publishes that
// version: the artifacts are rebuilt at the tag, checked by the release suite, then published.
const releaseWorkflow = project.github!.addWorkflow('release');
releaseWorkflow.on({ push: { tags: ['v*.*.*'] } });
releaseWorkflow.addJobs({
  release: {
    name: 'Publish the tagged version to npm, PyPI and the image registry',
    runsOn: ['ubuntu-latest'],
    // id-token: for npm's and PyPI's trusted publishing, when the repository variables turn it on.
    permissions: {
      contents: github.workflows.JobPermission.WRITE, // the GitHub release
      packages: github.workflows.JobPermission.WRITE,
      idToken: github.workflows.JobPermission.WRITE,
    },
    environment: 'release',
    // RELEASE: projen keeps the version in package.json (anything else resets it to 0.0.0).
    env: { CI: 'true', RELEASE: 'true' },
    steps: [
      { name: 'Checkout', uses: 'actions/checkout@v5' },
      { name: 'Setup Node.js', uses: 'actions/setup-node@v5', with: { 'node-version': project.minNodeVersion } },
      ...setupSteps,
      { name: 'Install skopeo', run: 'sudo apt-get update -qq && sudo apt-get install -y -qq --no-install-recommends skopeo' },
      { name: 'Install dependencies', run: 'npm install --no-audit --no-fund' },
      {
        // Only a tag `npx projen release` made has its CHANGELOG.md entry: the release notes.
        name: 'Set the version of the tag',
        env: { TAG: '${{ github.ref_name }}' },
        run: [
          'version="${TAG#v}"',
          'bash tools/release/changelog-entry.sh "$version" > "$RUNNER_TEMP/notes.md" \\',
          '  || { echo "::error::CHANGELOG.md has no entry for $version: tag releases with npx projen release"; exit 1; }',
          'npm version --no-git-tag-version --allow-same-version "$version"',
        ].join('\n'),
      },
      { name: 'Build the artifacts', run: 'npx projen compile && npx projen package-all && npx projen image' },
      // Root: the suite unpacks the image with its files' owners.
      {
        name: 'Check and rehearse',
        run: 'sudo git config --system --add safe.directory "$PWD" && sudo --preserve-env env "PATH=$PATH" npx projen release:check',
      },
      {
        name: 'Publish to npm',
        run: 'npx projen publish:npm',
        env: { NPM_TOKEN: '${{ secrets.NPM_TOKEN }}', NPM_TRUSTED_PUBLISHER: '${{ vars.NPM_TRUSTED_PUBLISHER }}' },
      },
      {
        name: 'Publish to PyPI',
        run: 'npx projen publish:pypi',
        env: {
          TWINE_USERNAME: '${{ secrets.TWINE_USERNAME }}',
          TWINE_PASSWORD: '${{ secrets.TWINE_PASSWORD }}',
          PYPI_TRUSTED_PUBLISHER: '${{ vars.PYPI_TRUSTED_PUBLISHER }}',
        },
      },
      {
        name: 'Publish the image',
        run: 'npx projen publish:image',
        env: { IMAGE_REGISTRY_USERNAME: '${{ github.actor }}', IMAGE_REGISTRY_PASSWORD: '${{ secrets.GITHUB_TOKEN }}' },
      },
      {
        name: 'GitHub release',
        env: { TAG: '${{ github.ref_name }}', GH_TOKEN: '${{ secrets.GITHUB_TOKEN }}' },
        run: [
          'prerelease=(); [[ "$TAG" == *-* ]] && prerelease=(--prerelease)',
          'gh release create "$TAG" --verify-tag --title "$TAG" --notes-file "$RUNNER_TEMP/notes.md" "${prerelease[@]}"',
        ].join('\n'),
      },
    ],
  },
});

project.synth();
