// Routing as Flux's Go ServeMux with the single subtree `/hook/` does it: unclean paths and the
// bare `/hook` are redirected (query kept), everything outside the subtree is a 404, and
// absolute-form targets route on their path. Go's cleanPath cases come from net/http's tests.
import { cleanPath, muxRoute, routingPath } from '../../../server/http/go-mux-path';

test.each([
  ['', '/'],
  ['/', '/'],
  ['abc', '/abc'],
  ['/abc/', '/abc/'],
  ['//abc', '/abc'],
  ['/abc//def//ghi', '/abc/def/ghi'],
  ['/./abc', '/abc'],
  ['/abc/./def/', '/abc/def/'],
  ['/abc/../def', '/def'],
  ['/../../abc', '/abc'],
  ['/abc/..', '/'],
  ['/hook/a/..', '/hook'],
])('cleanPath(%j) is %j', (path, clean) => {
  expect(cleanPath(path)).toBe(clean);
});

test('absolute-form targets route on their path; an unparsable one on /', () => {
  expect(routingPath('/hook/abc')).toBe('/hook/abc');
  expect(routingPath('http://example.com/hook/abc')).toBe('/hook/abc');
  expect(routingPath('*')).toBe('/');
});

test.each([
  ['/hook/abc', { kind: 'hook' }],
  ['/hook/abc?x=1', { kind: 'hook' }],
  ['/hook/', { kind: 'hook' }],
  ['/hook', { kind: 'redirect', location: '/hook/' }],
  ['/hook?x=1', { kind: 'redirect', location: '/hook/?x=1' }],
  ['/hook//abc?x=1', { kind: 'redirect', location: '/hook/abc?x=1' }],
  ['/a/../hook/abc', { kind: 'redirect', location: '/hook/abc' }],
  ['/hooks/abc', { kind: 'not-found' }],
  ['/', { kind: 'not-found' }],
  ['/metrics', { kind: 'not-found' }],
  ['http://h/hook/abc', { kind: 'hook' }],
])('muxRoute(%j) is %j', (target, route) => {
  expect(muxRoute(target)).toEqual(route);
});
