// Go's strings.EqualFold (Unicode simple case folding).
import { equalFold } from '../../../server/wire/equal-fold';

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
