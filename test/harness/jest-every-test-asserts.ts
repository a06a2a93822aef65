// Every test of the unit and integration tiers must make at least one assertion: a test that
// asserts nothing cannot fail (CONTRIBUTING.md, "Tests"). The cluster tier has its own rules.
import * as path from 'path';

const CLUSTER_TIER = `${path.sep}test${path.sep}cluster${path.sep}`;

beforeEach(() => {
  if (!(expect.getState().testPath ?? '').includes(CLUSTER_TIER)) expect.hasAssertions();
});
