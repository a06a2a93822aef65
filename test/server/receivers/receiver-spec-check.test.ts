// The one spec checker both receiver sources use (docs/flux-behaviour.md, "Receiver validation").
import { checkReceiverSpec, validateReceiverSpec } from '../../../server/receivers/receiver-spec-check';
import type { ReceiverSpec } from '../../../src/model';

const provider = { issuerURL: 'https://token.actions.githubusercontent.com', validations: [{ expression: 'claims.sub == "repo:org/app"', message: 'wrong repo' }] };
const base: ReceiverSpec = { type: 'generic', secretRef: { name: 's' }, resources: [{ kind: 'GitRepository', name: 'webapp' }] };

describe('validateReceiverSpec', () => {
  test('a valid spec has no problem', () => {
    expect(validateReceiverSpec({ ...base, resourceFilter: 'res.metadata.name == "webapp"' })).toBeUndefined();
    expect(validateReceiverSpec({ type: 'generic-oidc', resources: [], oidcProviders: [provider], resourceFilter: 'has(claims.sub)' })).toBeUndefined();
  });

  test('a bad resourceFilter is InvalidCELExpression with Flux\'s detail and the CEL error', () => {
    const problem = validateReceiverSpec({ ...base, resourceFilter: 'not-valid-cel ===' });
    expect(problem?.reason).toBe('InvalidCELExpression');
    expect(problem?.detail).toMatch(/^invalid resourceFilter expression: .*not-valid-cel ===/);
  });

  test('a non-bool resourceFilter is rejected', () => {
    expect(validateReceiverSpec({ ...base, resourceFilter: '"webapp" + "-x"' })?.detail).toMatch(/^invalid resourceFilter expression: /);
  });

  test('claims are only declared for generic-oidc', () => {
    expect(validateReceiverSpec({ ...base, resourceFilter: 'claims.sub == "x"' })?.detail).toMatch(/claims/);
  });

  test('a bad per-resource filter names the entry by index, kind and name', () => {
    const problem = validateReceiverSpec({ ...base, resources: [{ kind: 'GitRepository', name: 'ok', filter: 'true' }, { kind: 'Kustomization', name: 'apps', filter: 'res.metadata.name ==' }] });
    expect(problem?.reason).toBe('InvalidCELExpression');
    expect(problem?.detail).toMatch(/^invalid filter expression for resources\[1\] \(kind="Kustomization", name="apps"\): /);
  });

  test('resourceFilter is checked before per-resource filters', () => {
    const problem = validateReceiverSpec({ ...base, resourceFilter: '1 +', resources: [{ kind: 'GitRepository', name: 'x', filter: '2 +' }] });
    expect(problem?.detail).toMatch(/^invalid resourceFilter/);
  });

  test.each([
    [{ type: 'generic-oidc', resources: [] }, 'generic-oidc receiver requires at least one oidcProvider'],
    [{ ...base, oidcProviders: [provider] }, 'oidcProviders can only be set when type is generic-oidc'],
    [{ type: 'generic-oidc', resources: [], oidcProviders: [provider], secretRef: { name: 's' } }, 'secretRef cannot be set when type is generic-oidc'],
    [{ type: 'github', resources: [] }, 'secretRef is required when type is not generic-oidc'],
  ] as [ReceiverSpec, string][])('invariant: %j → ValidationFailed "%s"', (spec, message) => {
    expect(validateReceiverSpec(spec)).toEqual({ reason: 'ValidationFailed', detail: message });
  });

  test('OIDC provider structure problems are ValidationFailed and name the provider', () => {
    const oidc = (p: object): ReceiverSpec => ({ type: 'generic-oidc', resources: [], oidcProviders: [p as typeof provider] });
    expect(validateReceiverSpec(oidc({ ...provider, issuerURL: 'ftp://x' }))).toEqual({ reason: 'ValidationFailed', detail: 'oidcProviders[0] (issuerURL="ftp://x"): issuerURL must start with http:// or https://' });
    expect(validateReceiverSpec(oidc({ ...provider, validations: [] }))?.detail).toMatch(/at least one validation/);
    expect(validateReceiverSpec(oidc({ ...provider, validations: [{ expression: 'true', message: '' }] }))?.detail).toMatch(/validations\[0\] requires both expression and message/);
    expect(validateReceiverSpec(oidc({ ...provider, variables: [{ name: '', expression: 'true' }] }))?.reason).toBe('ValidationFailed');
    const dup: ReceiverSpec = { type: 'generic-oidc', resources: [], oidcProviders: [provider, provider] };
    expect(validateReceiverSpec(dup)?.detail).toMatch(/^oidcProviders\[1\] .*duplicate issuerURL/);
  });

  test('a bad OIDC expression is InvalidCELExpression prefixed with the provider', () => {
    const problem = validateReceiverSpec({ type: 'generic-oidc', resources: [], oidcProviders: [{ ...provider, validations: [{ expression: 'claims.sub ==', message: 'm' }] }] });
    expect(problem?.reason).toBe('InvalidCELExpression');
    expect(problem?.detail).toMatch(/^oidcProviders\[0\] \(issuerURL="https:\/\/token\.actions\.githubusercontent\.com"\): /);
  });
});

describe('checkReceiverSpec (files mode: every problem, with its field)', () => {
  test('collects every problem in Flux\'s order, each with its field path', () => {
    const spec = {
      type: 'github',
      resourceFilter: '1 +',
      resources: [{ kind: 'GitRepository', name: 'a', filter: 'true' }, { kind: 'Kustomization', name: 'b', filter: '2 +' }],
      oidcProviders: [{ issuerURL: 'ftp://x', validations: [] }],
    } as unknown as ReceiverSpec;
    expect(checkReceiverSpec(spec).map((p) => [p.path, p.reason])).toEqual([
      ['spec.resourceFilter', 'InvalidCELExpression'],
      ['spec.resources[1].filter', 'InvalidCELExpression'],
      ['spec.oidcProviders', 'ValidationFailed'],
      ['spec.secretRef', 'ValidationFailed'],
      ['spec.oidcProviders[0].issuerURL', 'ValidationFailed'],
      ['spec.oidcProviders[0].validations', 'ValidationFailed'],
    ]);
  });

  test('the first problem is the one cluster mode reports', () => {
    const spec: ReceiverSpec = { type: 'generic-oidc', resources: [], oidcProviders: [provider, provider], secretRef: { name: 's' } };
    const all = checkReceiverSpec(spec);
    expect(all.map((p) => p.detail)).toEqual([
      'secretRef cannot be set when type is generic-oidc',
      'oidcProviders[1] (issuerURL="https://token.actions.githubusercontent.com"): duplicate issuerURL',
    ]);
    expect(validateReceiverSpec(spec)).toEqual({ reason: 'ValidationFailed', detail: 'secretRef cannot be set when type is generic-oidc' });
  });

  test('a valid spec has no problems', () => {
    expect(checkReceiverSpec({ type: 'generic-oidc', resources: [], oidcProviders: [provider] })).toEqual([]);
  });
});
