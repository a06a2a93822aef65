// Resolving the verification-keys annotation against a Secret, as both receiver sources do.
import { readVerificationKeys } from '../../../server/receivers/read-verification-keys';
import type { ReceiverObject } from '../../../src/model';

const object = (annotation?: string): ReceiverObject => ({
  apiVersion: 'notification.toolkit.fluxcd.io/v1',
  kind: 'Receiver',
  metadata: { name: 'r', namespace: 'ns', ...(annotation === undefined ? {} : { annotations: { 'cdk8s-flux-webhooks.io/verification-keys': annotation } }) },
  spec: { type: 'github', secretRef: { name: 's' }, resources: [] },
});
const secret: Record<string, string> = { 'token': 'seed', 'token.next': 'new', 'token.old': 'old' };
const read = (key: string) => (secret[key] === undefined ? undefined : Buffer.from(secret[key]));
const names = (r: ReturnType<typeof readVerificationKeys>) => (r.ok ? r.keys?.map((k) => `${k.name}=${k.value.toString()}`) : r.reason);

describe('readVerificationKeys', () => {
  test('no annotation: no keys, so `token` alone verifies (Flux)', () => {
    expect(readVerificationKeys(object(), read)).toEqual({ ok: true });
  });

  test('listed keys in order, spaces and empty items ignored, missing ones skipped', () => {
    expect(names(readVerificationKeys(object(' token.next , ,token.later,token.old'), read))).toEqual(['token.next=new', 'token.old=old']);
  });

  test('none of the listed keys in the Secret', () => {
    expect(names(readVerificationKeys(object('token.a,token.b'), read)))
      .toBe("VerificationKeysNotFound: the secret holds none of the keys 'token.a', 'token.b' named by annotation cdk8s-flux-webhooks.io/verification-keys");
  });

  test.each([
    ['', 'lists no key'],
    ['a,b,c,d,e', 'lists 5 keys, at most 4 are allowed'],
    ['token,../etc/passwd', '"../etc/passwd" is not a Secret key (1-253 of a-z, A-Z, 0-9, \'-\', \'_\', \'.\')'],
    ['token,token', '"token" is listed twice'],
  ])('invalid annotation %j', (value, problem) => {
    expect(names(readVerificationKeys(object(value), read))).toBe(`VerificationKeysInvalid: annotation cdk8s-flux-webhooks.io/verification-keys ${problem}`);
  });
});
