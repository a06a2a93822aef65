// How the release suite (test/release/packed/) compares versions: PyPI's spelling of pre-releases
// as the wheel and sdist state it, and which facts it reports.
import { disagreements, pythonVersion } from './version-facts';

test.each([
  ['1.2.3', '1.2.3'],
  ['0.3.0-rc.1', '0.3.0rc1'],
  ['1.0.0-alpha.2', '1.0.0a2'],
  ['1.0.0-beta.3', '1.0.0b3'],
  ['2.0.0-dev.4', '2.0.0.dev4'],
])('%s is %s on PyPI', (npm, pypi) => {
  expect(pythonVersion(npm)).toBe(pypi);
});

test('every fact that differs is reported with where it was read, and nothing else', () => {
  expect(disagreements([
    { where: 'npm tarball package.json version', found: '1.2.3', expected: '1.2.3' },
    { where: 'amd64 config label org.opencontainers.image.version', found: '1.2.2', expected: '1.2.3' },
    { where: 'wheel METADATA Version', found: '1.2.3rc1', expected: '1.2.3' },
  ])).toEqual([
    'amd64 config label org.opencontainers.image.version: "1.2.2", expected "1.2.3"',
    'wheel METADATA Version: "1.2.3rc1", expected "1.2.3"',
  ]);
});
