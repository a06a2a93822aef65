// The release suite (`npx projen release:check`): the project's jest settings, these tests only, and
// no kube-apiserver (they read dist/ and image/out/, and start their own registry).
const { jest: base } = require('../../../package.json');

module.exports = {
  ...base,
  rootDir: '../../..',
  testMatch: ['<rootDir>/test/release/packed/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  globalSetup: undefined,
  globalTeardown: undefined,
};
