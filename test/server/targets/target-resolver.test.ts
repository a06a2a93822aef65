// Which cache a `spec.resources[]` entry reads from, decided before any read as Flux decides it:
// the receiver's namespace by default, cross-namespace references refused under
// --no-cross-namespace-refs, Flux's default apiVersion per kind. (Reading the caches:
// test/server/app/, against the apiserver.)
import { cacheKeyFor, TargetError } from '../../../server/targets/target-resolver';
import { DEFAULT_API_VERSIONS } from '../../../src/model';

const open = { noCrossNamespaceRefs: false };
const strict = { noCrossNamespaceRefs: true };

test('an entry without namespace or apiVersion reads the receiver\'s namespace at Flux\'s default apiVersion', () => {
  expect(cacheKeyFor({ kind: 'GitRepository', name: 'app' }, 'flux-system', open)).toEqual({
    apiVersion: DEFAULT_API_VERSIONS.GitRepository, kind: 'GitRepository', namespace: 'flux-system',
  });
  expect(cacheKeyFor({ kind: 'HelmRelease', name: 'x', namespace: 'apps', apiVersion: 'helm.toolkit.fluxcd.io/v2beta2' }, 'flux-system', open)).toEqual({
    apiVersion: 'helm.toolkit.fluxcd.io/v2beta2', kind: 'HelmRelease', namespace: 'apps',
  });
});

test('a kind with no default apiVersion needs one', () => {
  expect(() => cacheKeyFor({ kind: 'Widget', name: 'w' }, 'ns', open)).toThrow(new TargetError('apiVersion must be specified for kind "Widget"'));
  // Inherited names are not kinds.
  expect(() => cacheKeyFor({ kind: 'constructor', name: 'w' }, 'ns', open)).toThrow('apiVersion must be specified for kind "constructor"');
});

test('cross-namespace references are refused only under the policy, and the own namespace is not one', () => {
  expect(() => cacheKeyFor({ kind: 'GitRepository', name: 'app', namespace: 'other' }, 'flux-system', strict)).toThrow(new TargetError('cross-namespace references are not allowed'));
  expect(cacheKeyFor({ kind: 'GitRepository', name: 'app', namespace: 'flux-system' }, 'flux-system', strict).namespace).toBe('flux-system');
  expect(cacheKeyFor({ kind: 'GitRepository', name: 'app', namespace: 'other' }, 'flux-system', open).namespace).toBe('other');
});
