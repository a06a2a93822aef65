// The one parser of rate-limit texts, shared by the server's flags, the Receiver annotation and the constructs.
import { parseRateLimit } from '../../src/model';

describe('parseRateLimit', () => {
  test.each([
    ['20/s,burst=200', { perSecond: 20, burst: 200 }],
    ['90/m', { perSecond: 1.5, burst: 90 }],
    ['1/h', { perSecond: 1 / 3600, burst: 1 }],
    ['0.5/s', { perSecond: 0.5, burst: 1 }],
    [' 3/s,burst=1 ', { perSecond: 3, burst: 1 }],
  ])('%j → %j', (text, limit) => {
    expect(parseRateLimit(text)).toEqual({ limit });
  });

  test('"off" is no limit', () => {
    expect(parseRateLimit('off')).toEqual({});
  });

  test.each([
    ['', '"" is not a rate limit: use "<requests>/<s|m|h>[,burst=<n>]" (e.g. "20/s,burst=200") or "off"'],
    ['20', '"20" is not a rate limit: use "<requests>/<s|m|h>[,burst=<n>]" (e.g. "20/s,burst=200") or "off"'],
    ['20/d', '"20/d" is not a rate limit: use "<requests>/<s|m|h>[,burst=<n>]" (e.g. "20/s,burst=200") or "off"'],
    ['-1/s', '"-1/s" is not a rate limit: use "<requests>/<s|m|h>[,burst=<n>]" (e.g. "20/s,burst=200") or "off"'],
    ['0/s', '"0/s": the request count must be above 0 and at most 1000000 (use "off" for no limit)'],
    ['2000000/s', '"2000000/s": the request count must be above 0 and at most 1000000 (use "off" for no limit)'],
    ['5/s,burst=0', '"5/s,burst=0": burst must be from 1 to 1000000'],
  ])('%j is refused', (text, problem) => {
    expect(parseRateLimit(text)).toEqual({ problem });
  });
});
