import { providerFor, unsupportedTypeReason } from '../../../server/providers';
import { EXTENSION_RECEIVER_TYPES, RECEIVER_TYPES } from '../../../src/model';

test('every Flux receiver type has a provider of that type', () => {
  for (const type of RECEIVER_TYPES) expect(providerFor(type)?.type).toBe(type);
});

test('every extension type (files mode only) has a provider of that type', () => {
  for (const type of EXTENSION_RECEIVER_TYPES) expect(providerFor(type)?.type).toBe(type);
});

test.each(['', 'GitHub', 'Gitea', 'forgejo', 'generic_hmac', 'constructor', '__proto__'])('unknown type %j has no provider', (type) => {
  expect(providerFor(type)).toBeUndefined();
});

test("Flux's unknown-type message, typo included", () => {
  expect(unsupportedTypeReason('gitea')).toBe('recevier type "gitea" not supported');
});
