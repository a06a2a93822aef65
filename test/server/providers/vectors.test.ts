// Path and HMAC vectors computed independently of the code (docs/flux-behaviour.md, "Webhook path").
import { hmacHex } from './provider-request';
import { validateSignature } from '../../../server/wire/hmac-signature';
import { hookPath } from '../../../src/model';

describe('hookPath vectors', () => {
  test.each([
    ['test-token', 'receiver-secret', 'my-namespace', '/hook/106120121d366c2f67e93200f6c1dbe938235eb588daa5e8c0516d3a77ac1dee'],
    ['test-token', 'gcr-secret', 'my-namespace', '/hook/6d6c55e9affb9d1e0d101ce604ae4270880ec1ff24d1bd2d928fcd64243d21a4'],
    ['my-token', 'my-receiver', 'default', '/hook/28271ef639bececea029750537fbf5217bb510000adf056dc3b543cbbc4ee4fd'],
    ['', 'my-receiver', 'default', '/hook/83579a735892e34a07366333c25cb279278d29531730c414ea9870a01885f586'],
    ['', 'generic-oidc-receiver', 'default', '/hook/4399e88762a0abe9a87e588d0c42b27f13ac7a4fb04bb1ed28be8cb4b2fb4f31'],
  ])('token %j, %s/%s', (token, name, namespace, path) => {
    expect(hookPath(token, name, namespace)).toBe(path);
    expect(hookPath(Buffer.from(token), name, namespace)).toBe(path);
  });

  test('no separators: token+name collisions are possible, a trailing newline in the token counts', () => {
    expect(hookPath('ab', 'c', 'ns')).toBe(hookPath('a', 'bc', 'ns'));
    expect(hookPath('my-token\n', 'my-receiver', 'default')).not.toBe(hookPath('my-token', 'my-receiver', 'default'));
  });
});

describe('HMAC vectors', () => {
  const push = Buffer.from('{"action":"push"}');
  test.each([
    ['sha1', '0a23fffb3dd66539440cf881ae6fdfbc8ccae4a9'],
    ['sha256', '83eee066cf716dd10bc327e341a581ae657bf26d8815c9334434f470c12d3079'],
    ['sha512', 'ba49015231e38c2779666c90692d82917c88a814b1c1ae23e94d9544b321011aa9c10824df4d5ac1c5bbb397d1947d4eda37014bbd33d4acb1b11a6f71039f59'],
  ] as const)('key token, body {"action":"push"}, %s', (algorithm, hex) => {
    expect(hmacHex(algorithm, 'token', push)).toBe(hex);
    expect(validateSignature(`${algorithm}=${hex}`, push, Buffer.from('token'))).toEqual({ ok: true });
    expect(validateSignature(`${algorithm}=${hex.toUpperCase()}`, push, Buffer.from('token'))).toEqual({ ok: true });
  });

  test('key token, body null, sha256', () => {
    const hex = 'f1a29da1cd8d6993f4462ecc1de5317dd8955e14b9c39c2ab56d6e042e58b163';
    expect(hmacHex('sha256', 'token', 'null')).toBe(hex);
    expect(validateSignature(`sha256=${hex}`, Buffer.from('null'), Buffer.from('token')).ok).toBe(true);
  });

  test('key my-token, body {"a":1}, sha256', () => {
    const hex = '5f3ab7d832aed6232041303f57d6a987b45522e9d09d6bc412299fa790e8e4fc';
    expect(hmacHex('sha256', 'my-token', '{"a":1}')).toBe(hex);
    expect(validateSignature(`sha256=${hex}`, Buffer.from('{"a":1}'), Buffer.from('my-token')).ok).toBe(true);
  });
});
