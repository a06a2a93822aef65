// requestBodyForCel: docs/flux-behaviour.md, "CEL filters" (which bodies become `req`, which are a 500).
import { RequestBodyError, requestBodyForCel } from '../../../server/filters';

const body = (text: string) => Buffer.from(text, 'utf8');

describe('requestBodyForCel', () => {
  test('JSON object with application/json', () => {
    expect(requestBodyForCel(body('{"action":"push"}'), 'application/json')).toEqual({ action: 'push' });
  });

  test.each(['application/json; charset=utf-8', 'Application/JSON', 'text/plain, application/json', 'application/json;charset=UTF-8'])(
    'Content-Type %s counts as JSON', (contentType) => {
      expect(requestBodyForCel(body('{"a":1}'), contentType)).toEqual({ a: 1 });
    });

  test.each([undefined, '', 'text/plain', 'application/cloudevents+json', 'application/x-www-form-urlencoded', 'bad type, application/json', 'application/json;;x'])(
    'Content-Type %s is not JSON: req = {} and the body is not parsed', (contentType) => {
      expect(requestBodyForCel(body('not json at all'), contentType)).toEqual({});
    });

  test('only the first JSON value is decoded; trailing data is ignored', () => {
    expect(requestBodyForCel(body('{"a":1} trailing {garbage'), 'application/json')).toEqual({ a: 1 });
    expect(requestBodyForCel(body('  \n{"a":"}"}{"b":2}'), 'application/json')).toEqual({ a: '}' });
  });

  test('null decodes to no map', () => {
    expect(requestBodyForCel(body('null'), 'application/json')).toBeUndefined();
  });

  test.each(['', '   ', '[1,2]', '"text"', '42', 'true', '{"a":', '{bad json}'])('%j is an error (500)', (text) => {
    expect(() => requestBodyForCel(body(text), 'application/json')).toThrow(RequestBodyError);
  });

  test('JSON numbers stay doubles', () => {
    expect(requestBodyForCel(body('{"n":1}'), 'application/json')).toEqual({ n: 1 });
  });
});
