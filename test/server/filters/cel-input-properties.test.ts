// Property tests for the CEL inputs: any body either becomes `req` or fails with RequestBodyError,
// and evaluating filters over arbitrary JSON yields a bool or an Error, never anything else.
import fc from 'fast-check';
import { compileFilter, evaluateFilter, RequestBodyError, requestBodyForCel } from '../../../server/filters';

describe('requestBodyForCel', () => {
  test('arbitrary bytes: a map, undefined, or RequestBodyError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), fc.constantFrom('application/json', 'text/plain', undefined), (bytes, contentType) => {
        try {
          const req = requestBodyForCel(Buffer.from(bytes), contentType);
          expect(req === undefined || (typeof req === 'object' && !Array.isArray(req))).toBe(true);
        } catch (err) {
          expect(err).toBeInstanceOf(RequestBodyError);
        }
      }),
      { numRuns: 500 },
    );
  });

  test('any JSON object document round-trips, with trailing data ignored', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), fc.string(), (object, trailing) => {
        const text = JSON.stringify(object);
        expect(requestBodyForCel(Buffer.from(text), 'application/json')).toEqual(JSON.parse(text));
        expect(requestBodyForCel(Buffer.from(`${text} ${trailing}`), 'application/json')).toEqual(JSON.parse(text));
      }),
      { numRuns: 300 },
    );
  });
});

describe('evaluateFilter', () => {
  const filters = [
    "has(res.metadata.annotations) && req.tag.split('/').last().value().split(\":\").first().value() == res.metadata.annotations['update-image']",
    "req.?action.orValue('') == 'push'",
    "res.metadata.name == 'x' && req.n > 1",
    "req.items.exists(i, i == 'a')",
  ].map((expression) => compileFilter(expression, { claims: false }));

  test('arbitrary JSON requests: a bool or an Error', () => {
    const req = fc.dictionary(fc.constantFrom('tag', 'action', 'n', 'items', 'other'), fc.jsonValue());
    const annotations = fc.option(fc.dictionary(fc.string(), fc.string()), { nil: undefined });
    const res = fc.record({ metadata: fc.record({ name: fc.string(), annotations }) });
    fc.assert(
      fc.property(req, res, fc.nat(filters.length - 1), (r, s, index) => {
        try {
          expect(typeof evaluateFilter(filters[index], { res: s as Record<string, unknown>, req: r as Record<string, unknown> })).toBe('boolean');
        } catch (err) {
          expect(err).toBeInstanceOf(Error);
        }
      }),
      { numRuns: 500 },
    );
  });
});
