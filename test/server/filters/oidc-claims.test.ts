// generic-oidc variables/validations: Flux's receiver_claims_test.go (see docs/flux-behaviour.md) processor and compile cases.
import { compileClaimsProcessor, processClaims } from '../../../server/filters';

const claims = { sub: 'repo:org/app:environment:production', repository: 'org/app', environment: 'production', ref: 'refs/heads/main' };

describe('claims processor', () => {
  test('no validations: the claims pass once the variables are evaluated', () => {
    const processor = compileClaimsProcessor({ variables: [{ name: 'repo', expression: 'claims.repository' }], validations: [] });
    expect(processClaims(processor, claims)).toEqual(new Map([['repo', 'org/app']]));
  });

  test('a validation that holds passes; the same one on other claims refuses with its message', () => {
    const processor = compileClaimsProcessor({ validations: [{ expression: "claims.repository == 'org/app'", message: 'wrong repo' }] });
    expect(processClaims(processor, claims)).toEqual(new Map());
    expect(() => processClaims(processor, { ...claims, repository: 'org/other' })).toThrow('token validation failed: wrong repo');
  });

  test('failures are aggregated in order, joined by "; "', () => {
    const processor = compileClaimsProcessor({
      validations: [
        { expression: "claims.repository == 'org/other'", message: 'wrong repo' },
        { expression: "claims.ref == 'refs/heads/main'", message: 'wrong ref' },
        { expression: "claims.environment == 'staging'", message: 'wrong env' },
      ],
    });
    expect(() => processClaims(processor, claims)).toThrow('token validation failed: wrong repo; wrong env');
  });

  test('variables feed validations', () => {
    const processor = compileClaimsProcessor({
      variables: [{ name: 'owner', expression: "claims.repository.split('/')[0]" }],
      validations: [{ expression: "vars.owner == 'org'", message: 'wrong owner' }],
    });
    expect(processClaims(processor, claims)).toEqual(new Map([['owner', 'org']]));
    expect(() => processClaims(processor, { ...claims, repository: 'evil/app' })).toThrow('token validation failed: wrong owner');
  });

  test('later variables reference earlier ones', () => {
    const processor = compileClaimsProcessor({
      variables: [
        { name: 'parts', expression: "claims.sub.split(':')" },
        { name: 'env', expression: 'vars.parts.last().value()' },
      ],
      validations: [{ expression: "vars.env == 'production'", message: 'not production' }],
    });
    expect(processClaims(processor, claims).get('env')).toBe('production');
    expect(() => processClaims(processor, { ...claims, sub: 'repo:org/app:environment:dev' })).toThrow('not production');
  });

  test('an evaluation error is an error (missing claim)', () => {
    const processor = compileClaimsProcessor({ validations: [{ expression: "claims.missing == 'x'", message: 'm' }] });
    expect(() => processClaims(processor, claims)).toThrow(/^failed to evaluate validation: .*no such key/i);
    const variable = compileClaimsProcessor({ variables: [{ name: 'x', expression: 'claims.missing' }], validations: [] });
    expect(() => processClaims(variable, claims)).toThrow(/^failed to evaluate variable "x": .*no such key/i);
  });
});

describe('compile', () => {
  test('valid expressions compile', () => {
    expect(compileClaimsProcessor({ variables: [{ name: 'a', expression: 'claims.sub' }], validations: [{ expression: 'true', message: 'm' }] }).validations).toHaveLength(1);
  });

  test('not-valid-cel === fails and names the entry', () => {
    expect(() => compileClaimsProcessor({ validations: [{ expression: 'not-valid-cel ===', message: 'm' }] }))
      .toThrow(/^invalid expression for validation "m": failed to parse the CEL expression 'not-valid-cel ===': /);
    expect(() => compileClaimsProcessor({ variables: [{ name: 'v', expression: 'not-valid-cel ===' }], validations: [] }))
      .toThrow(/^invalid expression for variable "v": /);
  });

  test('validations must be bool', () => {
    expect(() => compileClaimsProcessor({ validations: [{ expression: "'yes'", message: 'm' }] })).toThrow('expected bool, got string');
  });

  test('only claims and vars are declared', () => {
    expect(() => compileClaimsProcessor({ validations: [{ expression: "req.a == 'b'", message: 'm' }] })).toThrow("undeclared reference to 'req'");
  });
});
