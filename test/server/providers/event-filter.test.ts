// The `spec.events` allow-list: empty passes everything, otherwise case-insensitive matching.
import { eventAllowed } from '../../../server/providers/_event-filter';

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
