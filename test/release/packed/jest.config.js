// The release suite (`npx projen release:check`): the unit tier's jest settings (no kube-apiserver:
// these tests read dist/ and image/out/, and start their own registry), these tests only.
const { jest: base } = require('../../../package.json');

const { projects, ...shared } = base;
const unit = projects.find((p) => p.displayName === 'unit');

module.exports = {
  ...shared,
  ...unit,
  displayName: 'release',
  rootDir: '../../..',
  testMatch: ['<rootDir>/test/release/packed/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
};
