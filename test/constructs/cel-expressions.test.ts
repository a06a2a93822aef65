// CEL in receiver definitions is compiled at synth time with the server's own environments
// (src/model/cel/): what the bundled server or notification-controller would refuse with
// InvalidCELExpression never reaches the cluster.
import { App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { compileClaimsProcessor, compileFilter } from '../../server/filters';
import { FluxReceivers, OidcIssuer, ReceiverDefinition, ReceiverProvider, ReconcileTarget, WebhookReceiver } from '../../src';

const ISSUER = 'https://token.actions.githubusercontent.com';

function fluxReceivers(): { chart: Chart; flux: FluxReceivers; secret: kplus.ISecret } {
  const chart = new Chart(new App(), 'app', { namespace: 'flux-system' });
  const flux = new FluxReceivers(chart, 'receivers');
  return { chart, flux, secret: kplus.Secret.fromSecretName(chart, 'token', 'webhook-token') };
}

/** Adds a github receiver with `resourceFilter` to a fresh FluxReceivers. */
function githubWithFilter(resourceFilter: string): ReceiverDefinition {
  const { flux, secret } = fluxReceivers();
  return flux.addReceiver('webapp', { provider: ReceiverProvider.github(), secret, targets: [ReconcileTarget.gitRepository('webapp')], resourceFilter });
}

function oidcIssuer(overrides: Partial<OidcIssuer>): OidcIssuer {
  return { issuerUrl: ISSUER, validations: [{ expression: "claims.repository_owner == 'org'", message: 'wrong owner' }], ...overrides };
}

describe('resourceFilter and targets[].filter are compiled at synth time like the server compiles them', () => {
  test('a parse error names the construct path, the field, the expression, the CEL error and a fix', () => {
    expect(() => githubWithFilter("req.ref == 'refs/heads/main' &&")).toThrow(
      'FluxReceivers app/receivers: receiver "webapp": resourceFilter "req.ref == \'refs/heads/main\' &&" does not compile: '
      + "failed to parse the CEL expression 'req.ref == 'refs/heads/main' &&': Unexpected token: EOF: "
      + "write a CEL expression over res and req (Flux's CEL: optional types, strings, sets and encoders extensions), e.g. `res.metadata.name == 'webapp'`",
    );
  });

  test('plain CEL that fails the server\'s type check: the output must be bool', () => {
    expect(() => githubWithFilter('req.repository.private')).toThrow(
      'resourceFilter "req.repository.private" does not compile: CEL expression output type mismatch: expected bool, got dyn: '
      + "a field of a JSON map has no static type until run time, so compare it: e.g. `req.repository.private == true` or `req.repository.private == 'main'`",
    );
    expect(() => githubWithFilter("res.metadata.name + '-x'")).toThrow('"res.metadata.name + \'-x\'" does not compile: CEL expression output type mismatch: expected bool, got string');
    expect(() => githubWithFilter("'a' + 'b'")).toThrow(
      "CEL expression output type mismatch: expected bool, got string: the expression must return a bool: compare the value, e.g. `res.metadata.name == 'webapp'`",
    );
    expect(() => githubWithFilter('1 + 2')).toThrow('CEL expression output type mismatch: expected bool, got int');
  });

  test('Flux\'s extension functions are there, with their types: the same environment as the server', () => {
    // sets, strings.quote, format, base64, optional syntax and list.first(): cel-go extensions Flux enables.
    for (const filter of [
      "sets.contains(['main', 'dev'], [res.metadata.name])",
      "strings.quote(req.ref) == '\"refs/heads/main\"'",
      "'%s/%s'.format([res.metadata.namespace, res.metadata.name]) == 'apps/webapp'",
      "base64.encode(b'ok') == 'b2s='",
      "req.?repository.?name.orValue('') == 'webapp'",
      '[1, 2].first().hasValue()',
    ]) {
      expect(githubWithFilter(filter).resourceFilter).toBe(filter);
    }
    // The same functions with a non-bool result are refused with the type the server reports.
    expect(() => githubWithFilter("'%s'.format([res.metadata.name])")).toThrow('expected bool, got string');
    expect(() => githubWithFilter("base64.decode('b2s=')")).toThrow('expected bool, got bytes');
    expect(() => githubWithFilter('sets.nonesuch([1], [1])')).toThrow('"sets.nonesuch([1], [1])" does not compile: failed to parse the CEL expression');
  });

  test('claims exists only for generic-oidc receivers, as on the server', () => {
    expect(() => githubWithFilter("claims.sub == 'x'")).toThrow(
      "resourceFilter \"claims.sub == 'x'\" does not compile: failed to parse the CEL expression 'claims.sub == 'x'': undeclared reference to 'claims': "
      + 'claims exists only for generic-oidc receivers: use res and req here',
    );
    const { flux } = fluxReceivers();
    const oidc = flux.addReceiver('actions', {
      provider: ReceiverProvider.genericOidc({ issuers: [oidcIssuer({})] }),
      targets: [ReconcileTarget.gitRepository('webapp', { filter: "claims.ref == 'refs/heads/main'" })],
      resourceFilter: "claims.repository == 'org/webapp'",
    });
    expect(oidc.resourceFilter).toBe("claims.repository == 'org/webapp'");
  });

  test('a target filter is checked in the receiver it is given to, named by its index, kind and name', () => {
    const chart = new Chart(new App(), 'app', { namespace: 'flux-system' });
    const server = new WebhookReceiver(chart, 'server');
    const secret = kplus.Secret.fromSecretName(chart, 'token', 'webhook-token');
    expect(() => server.addReceiver('webapp', {
      provider: ReceiverProvider.gitlab(),
      secret,
      targets: [ReconcileTarget.gitRepository('webapp'), ReconcileTarget.helmRelease('podinfo', { namespace: 'apps', filter: 'res.metadata.name' })],
    })).toThrow(
      'WebhookReceiver app/server: receiver "webapp": targets[1] HelmRelease "podinfo" filter "res.metadata.name" does not compile: '
      + 'CEL expression output type mismatch: expected bool, got dyn',
    );
    // A target filter using claims is fine on its own and refused in a non-OIDC receiver.
    const target = ReconcileTarget.gitRepository('webapp', { filter: "claims.sub != ''" });
    expect(() => server.addReceiver('other', { provider: ReceiverProvider.gitlab(), secret, targets: [target] }))
      .toThrow('receiver "other": targets[0] GitRepository "webapp" filter "claims.sub != \'\'" does not compile: failed to parse the CEL expression \'claims.sub != \'\'\': undeclared reference to \'claims\'');
  });

  test('matches() takes RE2 patterns, as Flux compiles them: a pattern Go\'s regexp refuses fails the synth', () => {
    expect(() => githubWithFilter("req.ref.matches('^refs/heads/(main)\\\\1$')")).toThrow(
      'FluxReceivers app/receivers: receiver "webapp": resourceFilter "req.ref.matches(\'^refs/heads/(main)\\\\\\\\1$\')" does not compile: '
      + 'failed to create CEL program: error parsing regexp: invalid escape sequence: `\\1`: '
      + 'matches() takes an RE2 pattern, as Go\'s regexp reads it: no backreferences (\\1), lookahead or lookbehind, possessive or atomic groups; '
      + "e.g. `req.ref.matches('^refs/heads/(main|release-.+)$')`",
    );
    const chart = new Chart(new App(), 'app', { namespace: 'flux-system' });
    const server = new WebhookReceiver(chart, 'server');
    const secret = kplus.Secret.fromSecretName(chart, 'token', 'webhook-token');
    expect(() => server.addReceiver('webapp', {
      provider: ReceiverProvider.github(),
      secret,
      targets: [ReconcileTarget.gitRepository('webapp', { filter: "req.head_commit.message.matches('(?=.*deploy)')" })],
    })).toThrow('receiver "webapp": targets[0] GitRepository "webapp" filter "req.head_commit.message.matches(\'(?=.*deploy)\')" does not compile: '
      + 'failed to create CEL program: error parsing regexp: invalid or unsupported Perl syntax: `(?=`');
    // RE2 syntax that JavaScript's RegExp does not read is accepted: flags, POSIX classes, \\z.
    for (const filter of ["req.ref.matches('(?i)^refs/heads/MAIN$')", "req.ref.matches('^refs/heads/[[:alnum:]_-]+\\\\z')", "matches(req.ref, '^refs/tags/v')"]) {
      expect(githubWithFilter(filter).resourceFilter).toBe(filter);
    }
  });

  test('a standalone ReceiverDefinition is checked too (no construct to name)', () => {
    expect(() => new ReceiverDefinition({ name: 'a', namespace: 'n', provider: ReceiverProvider.genericOidc({ issuers: [oidcIssuer({})] }), targets: [ReconcileTarget.gitRepository('webapp')], resourceFilter: 'claims' }))
      .toThrow('receiver "a": resourceFilter "claims" does not compile: CEL expression output type mismatch: expected bool, got map');
  });

  test('the constructs refuse exactly what the server refuses, with the server\'s error text', () => {
    const expressions = [
      'true', 'req.flag', 'req.flag == true', "res.metadata.name == 'x'", 'res.metadata.name ==', "'a'.reverse() == 'a'", "'a'.charAt(0)",
      'size(req) > 0', 'nope == 1', "claims.sub == 'x'", 'req.x.?y.hasValue()', "'%d'.format([1]) == '1'", '[1,2].last()',
      "req.ref.matches('(a)\\\\1')", "req.ref.matches('(?i)a')", 'req.ref.matches(req.pattern)',
    ];
    for (const expression of expressions) {
      let serverError: string | undefined;
      try {
        compileFilter(expression, { claims: false });
      } catch (err) {
        serverError = (err as Error).message;
      }
      let constructError: string | undefined;
      try {
        githubWithFilter(expression);
      } catch (err) {
        constructError = (err as Error).message;
      }
      expect({ expression, refused: constructError !== undefined }).toEqual({ expression, refused: serverError !== undefined });
      if (serverError !== undefined) expect(constructError).toContain(`does not compile: ${serverError}: `);
    }
  });
});

describe('generic-oidc variables and validations are compiled when the provider is made', () => {
  test('a validation must return bool', () => {
    expect(() => ReceiverProvider.genericOidc({ issuers: [oidcIssuer({ validations: [{ expression: 'claims.repository_owner', message: 'wrong owner' }] })] })).toThrow(
      'ReceiverProvider.genericOidc(): validation "wrong owner" of https://token.actions.githubusercontent.com: expression "claims.repository_owner" does not compile: '
      + 'CEL expression output type mismatch: expected bool, got dyn: '
      + "a field of a JSON map has no static type until run time, so compare it: e.g. `claims.repository_owner == true` or `claims.repository_owner == 'main'`",
    );
  });

  test('a variable may have any type but must compile over claims and vars', () => {
    const provider = ReceiverProvider.genericOidc({
      issuers: [oidcIssuer({
        variables: [{ name: 'owner', expression: 'claims.repository_owner' }, { name: 'parts', expression: "claims.sub.split(':')" }],
        validations: [{ expression: "vars.owner == 'org' && sets.contains(vars.parts, ['repo'])", message: 'wrong owner' }],
      })],
    });
    expect(provider._oidcProvidersSpec()![0].variables!.map((v) => v.name)).toEqual(['owner', 'parts']);
    expect(() => ReceiverProvider.genericOidc({ issuers: [oidcIssuer({ variables: [{ name: 'ref', expression: 'req.ref' }] })] })).toThrow(
      'ReceiverProvider.genericOidc(): variable "ref" of https://token.actions.githubusercontent.com: expression "req.ref" does not compile: '
      + "failed to parse the CEL expression 'req.ref': undeclared reference to 'req': "
      + "write a CEL expression over claims and vars (Flux's CEL: optional types, strings, sets and encoders extensions), e.g. `claims.repository_owner == 'my-org'`",
    );
  });

  test('the constructs refuse exactly what the server\'s claims processor refuses, with its error text', () => {
    const cases: { variables?: { name: string; expression: string }[]; validations: { expression: string; message: string }[] }[] = [
      { validations: [{ expression: "claims.aud == 'x'", message: 'm' }] },
      { validations: [{ expression: 'claims.aud', message: 'm' }] },
      { validations: [{ expression: "'%s'.format([claims.sub])", message: 'm' }] },
      { variables: [{ name: 'v', expression: 'claims.sub +' }], validations: [{ expression: 'true', message: 'm' }] },
      { variables: [{ name: 'v', expression: 'claims.sub' }], validations: [{ expression: "vars.v == 'x'", message: 'm' }] },
      { variables: [{ name: 'v', expression: 'res.sub' }], validations: [{ expression: 'true', message: 'm' }] },
    ];
    for (const c of cases) {
      let serverError: string | undefined;
      try {
        compileClaimsProcessor(c);
      } catch (err) {
        // The server prefixes the entry ("invalid expression for validation \"m\": "); the CEL text follows.
        serverError = (err as Error).message.replace(/^invalid expression for (variable|validation) "[^"]*": /, '');
      }
      let constructError: string | undefined;
      try {
        ReceiverProvider.genericOidc({ issuers: [oidcIssuer(c)] });
      } catch (err) {
        constructError = (err as Error).message;
      }
      expect({ c, refused: constructError !== undefined }).toEqual({ c, refused: serverError !== undefined });
      if (serverError !== undefined) expect(constructError).toContain(`does not compile: ${serverError}: `);
    }
  });
});
