// Go mime.ParseMediaType as the receivers need it, and Flux's "lists application/json" rule.
import { contentTypeListsJson, parseMediaType } from '../../../server/wire/media-type';

describe('parseMediaType', () => {
  test.each([
    ['application/json', 'application/json'],
    ['Application/JSON; charset=UTF-8', 'application/json'],
    ['  application/json  ', 'application/json'],
    ['application/json; charset="utf-8"', 'application/json'],
    ['application/json;', 'application/json'],
    ['text', 'text'],
    ['application/x-www-form-urlencoded', 'application/x-www-form-urlencoded'],
  ])('%j ⇒ %j', (value, expected) => {
    expect(parseMediaType(value)).toBe(expected);
  });

  test.each(['', '/json', 'application/', 'application/json/x', 'appli cation/json', 'application/json; charset', 'application/json; a=1; A=2', 'application/json; a="unterminated'])(
    '%j is invalid', (value) => {
      expect(parseMediaType(value)).toBeUndefined();
    });
});

describe('contentTypeListsJson', () => {
  test('comma-separated lists, stopping at the first invalid part', () => {
    expect(contentTypeListsJson('text/plain, application/json')).toBe(true);
    expect(contentTypeListsJson('text/plain, bad/type/x, application/json')).toBe(false);
    expect(contentTypeListsJson('application/cloudevents+json')).toBe(false);
    expect(contentTypeListsJson(undefined)).toBe(false);
  });
});
