// Event allow-list matching: Go's strings.EqualFold (Unicode simple case folding).
import { equalFold, eventAllowed } from '../../../server/providers/_event-filter';

describe('equalFold', () => {
  test.each([
    ['push', 'PUSH', true],
    ['Push Hook', 'push hook', true],
    ['repo:refs_changed', 'REPO:REFS_CHANGED', true],
    ['σ', 'Σ', true],
    ['ς', 'Σ', true],
    ['k', '\u212a', true], // KELVIN SIGN folds to k
    ['s', '\u017f', true], // LONG S folds to s
    ['straße', 'STRASSE', false], // no full folding
    ['i', '\u0130', false], // Turkic dotted I has no simple fold
    ['I', '\u0131', false],
    ['push', 'push ', false],
    ['', '', true],
  ])('%j vs %j ⇒ %s', (a, b, expected) => {
    expect(equalFold(a, b)).toBe(expected);
    expect(equalFold(b, a)).toBe(expected);
  });
});

describe('eventAllowed', () => {
  test('no list: everything passes, including the empty event', () => {
    expect(eventAllowed('anything', undefined)).toBe(true);
    expect(eventAllowed('', [])).toBe(true);
  });
  test('listed events pass case-insensitively; others do not', () => {
    expect(eventAllowed('Tag Push Hook', ['Push Hook', 'tag push hook'])).toBe(true);
    expect(eventAllowed('Merge Request Hook', ['Push Hook'])).toBe(false);
    expect(eventAllowed('', ['push'])).toBe(false);
  });
});
