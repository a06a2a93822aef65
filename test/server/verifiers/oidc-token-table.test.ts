// One table of crafted tokens for the generic-oidc and gcr receivers, each with the verdict Flux
// (notification-controller v1.9.3: go-oidc v3 / google.golang.org/api/idtoken) gives it. Every row
// goes through the real provider and verifier against a loopback HTTPS issuer (private CA, RSA and
// EC keys) with the clock pinned a quarter second into second NOW. Each row gets a fresh verifier,
// so key caching plays no part here (see key-lifecycle.test.ts for that).
import { createServer } from 'http';
import { connect, type AddressInfo } from 'net';
import { b64url, HttpsIssuer, TEST_CA } from './_https-issuer';
import { gcrProvider } from '../../../server/providers/gcr';
import { genericOidcProvider } from '../../../server/providers/generic-oidc';
import type { ProviderContext, WebhookRequest } from '../../../server/providers/provider';
import { GoogleIdTokenVerifier, OidcTokenVerifier } from '../../../server/verifiers';

const NOW = 1_900_000_000;
const clock = () => NOW * 1000 + 250;
const AUDIENCE = 'https://flux.example.com/hook/6d6c55e9affb9d1e0d101ce604ae4270880ec1ff24d1bd2d928fcd64243d21a4';
const EMAIL = 'gcr-push@my-project.iam.gserviceaccount.com';
const GCR_BODY = JSON.stringify({
  message: { data: Buffer.from('{"action":"INSERT","digest":"d","tag":"t"}').toString('base64'), messageId: '1', publishTime: '2026-01-01T00:00:00Z' },
});

/** A string as the bytes of its UTF-8 encoding, the way Node hands header bytes over (latin1). */
const utf8Bytes = (text: string): string => Buffer.from(text, 'utf8').toString('latin1');

interface Tools {
  readonly issuer: HttpsIssuer;
  /** Standard claims for the row's receiver, overridden by `over`. */
  claims(over?: Record<string, unknown>): Record<string, unknown>;
  /** The standard claims as JSON text, with `extra` (raw JSON members) appended. */
  claimsText(extra: string, over?: Record<string, unknown>): string;
}

interface Row {
  readonly name: string;
  readonly via: 'generic-oidc' | 'gcr';
  readonly flux: 'accepted' | 'refused';
  /** The full Authorization header value. */
  readonly authorization: (t: Tools) => string;
  /** Runs on a fresh issuer of the row's own before the request. */
  readonly setup?: (issuer: HttpsIssuer) => void;
  /** What the refusal must be about (the receiver's reason). */
  readonly because?: RegExp;
  /** Claims the receiver must hand to CEL when accepted. */
  readonly expectClaims?: Record<string, unknown>;
}

const bearer = (token: string) => `Bearer ${token}`;
const withoutLast = (text: string) => text.slice(0, -1);
const oidc = (name: string, flux: Row['flux'], authorization: Row['authorization'], extra: Partial<Row> = {}): Row => ({ name, via: 'generic-oidc', flux, authorization, ...extra });
const gcr = (name: string, flux: Row['flux'], authorization: Row['authorization'], extra: Partial<Row> = {}): Row => ({ name, via: 'gcr', flux, authorization, ...extra });

/** Replaces the first `-` or `_` of the signature with its standard-alphabet twin (`+` or `/`). */
function standardAlphabetSignature(token: string): string {
  const [h, p, s] = token.split('.');
  const i = s.search(/[-_]/);
  if (i < 0) throw new Error('signature has no - or _');
  return `${h}.${p}.${s.slice(0, i)}${s[i] === '-' ? '+' : '/'}${s.slice(i + 1)}`;
}

const ROWS: Row[] = [
  // Baseline.
  oidc('RS256 token', 'accepted', (t) => bearer(t.issuer.sign(t.claims()))),
  oidc('ES256 token', 'accepted', (t) => bearer(t.issuer.sign(t.claims(), { kid: 'ec-1' }))),

  // Non-canonical encodings anyone can derive from a valid token.
  oidc('signature segment with = padding', 'refused', (t) => bearer(`${t.issuer.sign(t.claims())}==`), { because: /illegal base64 data/ }),
  oidc('header segment with = padding', 'refused', (t) => {
    const [h, p, s] = t.issuer.signRaw('{"alg":"RS256","kid":"rsa-1","typ":"JWT","x":1}', JSON.stringify(t.claims()), 'rsa-1').split('.');
    return bearer(`${h}=.${p}.${s}`);
  }, { because: /illegal base64 data/ }),
  oidc('payload segment with = padding', 'refused', (t) => {
    const [h, p, s] = t.issuer.sign(t.claims({ pad: 'ab' })).split('.');
    return bearer(`${h}.${p}${'='.repeat((4 - (p.length % 4)) % 4 || 4)}.${s}`);
  }, { because: /failed to decode token payload: illegal base64 data/ }),
  oidc('signature with a standard-alphabet character (+ or /)', 'refused', (t) => bearer(standardAlphabetSignature(t.issuer.sign(t.claims()))), { because: /illegal base64 data/ }),
  oidc('raw 0xA0 byte after the token', 'refused', (t) => `${bearer(t.issuer.sign(t.claims()))}\u00a0`, { because: /illegal base64 data/ }),
  oidc('raw 0xA0 byte before the token', 'refused', (t) => `Bearer \u00a0${t.issuer.sign(t.claims())}`, { because: /illegal base64 data/ }),

  // Authorization header handling (Go: strings.TrimSpace over UTF-8).
  oidc('U+00A0 (UTF-8) after the token', 'accepted', (t) => `${bearer(t.issuer.sign(t.claims()))}${utf8Bytes('\u00a0')}`),
  oidc('U+3000 (UTF-8) before the token', 'accepted', (t) => `Bearer ${utf8Bytes('\u3000')}${t.issuer.sign(t.claims())}`),
  oidc('tabs and spaces around the token', 'accepted', (t) => `Bearer \t ${t.issuer.sign(t.claims())} \t`),
  oidc('lower-case bearer prefix', 'refused', (t) => `bearer ${t.issuer.sign(t.claims())}`, { because: /Authorization header is missing or malformed/ }),

  // Expiry and not-before at Go's precision and int64 bounds.
  oidc('exp equal to the current second', 'refused', (t) => bearer(t.issuer.sign(t.claims({ exp: NOW }))), { because: /token is expired/ }),
  oidc('exp one second ahead', 'accepted', (t) => bearer(t.issuer.sign(t.claims({ exp: NOW + 1 })))),
  oidc('exp 1e19 (beyond int64)', 'refused', (t) => bearer(t.issuer.sign(t.claimsText('"exp":1e19', { exp: undefined }))), { because: /token is expired/ }),
  oidc('exp 1e300', 'refused', (t) => bearer(t.issuer.sign(t.claimsText('"exp":1e300', { exp: undefined }))), { because: /token is expired/ }),
  oidc('exp 1e400 (beyond float64)', 'refused', (t) => bearer(t.issuer.sign(t.claimsText('"exp":1e400', { exp: undefined }))), { because: /value out of range/ }),
  oidc('exp 9223372036854775807 (wraps in time.Unix)', 'refused', (t) => bearer(t.issuer.sign(t.claimsText('"exp":9223372036854775807', { exp: undefined }))), { because: /token is expired/ }),
  oidc('exp 10000000000000000000 (integer beyond int64)', 'refused', (t) => bearer(t.issuer.sign(t.claimsText('"exp":10000000000000000000', { exp: undefined }))), { because: /token is expired/ }),
  oidc('exp written as a string number', 'accepted', (t) => bearer(t.issuer.sign(t.claims({ exp: String(NOW + 600) })))),
  oidc('exp written as a non-numeric string', 'refused', (t) => bearer(t.issuer.sign(t.claims({ exp: 'soon' }))), { because: /invalid number literal/ }),
  oidc('exp with a fraction', 'accepted', (t) => bearer(t.issuer.sign(t.claims({ exp: NOW + 600.5 })))),
  oidc('exp null', 'refused', (t) => bearer(t.issuer.sign(t.claims({ exp: null }))), { because: /ParseFloat: parsing \"\"/ }),
  oidc('exp missing', 'refused', (t) => bearer(t.issuer.sign(t.claims({ exp: undefined }))), { because: /token is expired/ }),
  oidc('nbf null', 'accepted', (t) => bearer(t.issuer.sign(t.claims({ nbf: null })))),
  oidc('nbf within the five-minute leeway', 'accepted', (t) => bearer(t.issuer.sign(t.claims({ nbf: NOW + 300 })))),
  oidc('nbf beyond the leeway', 'refused', (t) => bearer(t.issuer.sign(t.claims({ nbf: NOW + 301 }))), { because: /nbf/ }),
  oidc('iat null', 'refused', (t) => bearer(t.issuer.sign(t.claims({ iat: null }))), { because: /ParseFloat: parsing \"\"/ }),
  oidc('iat a non-numeric string', 'refused', (t) => bearer(t.issuer.sign(t.claims({ iat: 'yesterday' }))), { because: /invalid number literal/ }),

  // Claims Go refuses to decode into go-oidc's struct.
  oidc('aud array holding a number', 'refused', (t) => bearer(t.issuer.sign(t.claims({ aud: ['flux', 5] }))), { because: /\.aud of type string/ }),
  oidc('aud array holding null', 'accepted', (t) => bearer(t.issuer.sign(t.claims({ aud: ['flux', null] })))),
  oidc('aud a number', 'refused', (t) => bearer(t.issuer.sign(t.claims({ aud: 5 }))), { because: /\.aud of type \[\]string/ }),
  oidc('aud an object', 'refused', (t) => bearer(t.issuer.sign(t.claims({ aud: { flux: true } }))), { because: /\.aud of type \[\]string/ }),
  oidc('sub a number', 'refused', (t) => bearer(t.issuer.sign(t.claims({ sub: 123 }))), { because: /\.sub of type string/ }),
  oidc('sub null', 'accepted', (t) => bearer(t.issuer.sign(t.claims({ sub: null })))),
  oidc('nonce an object', 'refused', (t) => bearer(t.issuer.sign(t.claims({ nonce: {} }))), { because: /\.nonce of type string/ }),
  oidc('at_hash a number', 'refused', (t) => bearer(t.issuer.sign(t.claims({ at_hash: 1 }))), { because: /\.at_hash of type string/ }),
  oidc('a custom claim 1e400 (claims map fails to decode)', 'refused', (t) => bearer(t.issuer.sign(t.claimsText('"big":1e400'))), { because: /float64/ }),

  // Names matched case-insensitively, last one wins.
  oidc('ISS, AUD and Exp in other cases', 'accepted', (t) => bearer(t.issuer.sign(JSON.stringify({ ISS: t.issuer.issuer, AUD: 'flux', Exp: NOW + 600 }))), {
    expectClaims: { ISS: expect.any(String), AUD: 'flux' },
  }),
  oidc('exp in the future, then EXP in the past', 'refused', (t) => bearer(t.issuer.sign(t.claimsText(`"EXP":${NOW - 10}`))), { because: /token is expired/ }),
  oidc('EXP in the past, then exp in the future', 'accepted', (t) => bearer(t.issuer.sign(`{"EXP":${NOW - 10},${t.claimsText('').slice(1)}`))),
  oidc('aud, then AUD with another audience', 'refused', (t) => bearer(t.issuer.sign(t.claimsText('"AUD":"other"'))), { because: /expected audience/ }),
  oidc('exp twice, the last one past', 'refused', (t) => bearer(t.issuer.sign(t.claimsText(`"exp":${NOW - 10}`))), { because: /token is expired/ }),
  oidc('ſub (long s) holding a number matches sub', 'refused', (t) => bearer(t.issuer.sign(t.claimsText('"\u017fub":123'))), { because: /\.sub of type string/ }),
  oidc('invalid UTF-8 inside a claim becomes U+FFFD per byte', 'accepted', (t) => bearer(t.issuer.sign(Buffer.concat([
    Buffer.from(withoutLast(t.claimsText('')) + ',"team":"a'), Buffer.from([0xff, 0xf0, 0x9f]), Buffer.from('b"}'),
  ]))), { expectClaims: { team: 'a\ufffd\ufffd\ufffdb' } }),

  // Distributed claims.
  oidc('_claim_names pointing to a missing source', 'refused', (t) => bearer(t.issuer.sign(t.claims({ _claim_names: { groups: 'src1' } }))), { because: /source does not exist/ }),
  oidc('_claim_names with an empty source', 'refused', (t) => bearer(t.issuer.sign(t.claims({ _claim_names: { groups: '' }, _claim_sources: { '': { endpoint: 'https://x' } } }))), { because: /failed to obtain source/ }),
  oidc('_claim_names a string', 'refused', (t) => bearer(t.issuer.sign(t.claims({ _claim_names: 'groups' }))), { because: /_claim_names of type/ }),
  oidc('_claim_sources entry a number', 'refused', (t) => bearer(t.issuer.sign(t.claims({ _claim_names: { groups: 'src1' }, _claim_sources: { src1: 5 } }))), { because: /oidc\.claimSource/ }),
  oidc('consistent distributed claims', 'accepted', (t) => bearer(t.issuer.sign(t.claims({ _claim_names: { groups: 'src1' }, _claim_sources: { src1: { endpoint: 'https://claims.example.com' } } })))),

  // JOSE header.
  oidc('alg twice in the header', 'refused', (t) => bearer(t.issuer.signRaw('{"alg":"RS256","alg":"RS256","kid":"rsa-1"}', JSON.stringify(t.claims()), 'rsa-1')), { because: /duplicate key 'alg'/ }),
  oidc('kid twice in the header', 'refused', (t) => bearer(t.issuer.signRaw('{"alg":"RS256","kid":"rsa-1","kid":"rsa-1"}', JSON.stringify(t.claims()), 'rsa-1')), { because: /duplicate key 'kid'/ }),
  oidc('kid a number', 'refused', (t) => bearer(t.issuer.signRaw('{"alg":"RS256","kid":1}', JSON.stringify(t.claims()), 'rsa-1')), { because: /key ID/ }),
  oidc('alg none', 'refused', (t) => bearer(`${b64url('{"alg":"none"}')}.${b64url(JSON.stringify(t.claims()))}.`), { because: /unsupported algorithm/ }),
  oidc('algorithm not advertised by the issuer', 'refused', (t) => bearer(t.issuer.sign(t.claims())), { because: /unsupported algorithm/, setup: (i) => (i.algorithmsSupported = ['ES256']) }),

  // Key selection and key state at request time.
  oidc('two published keys share the kid, the second one signed', 'accepted', (t) => bearer(t.issuer.sign(t.claims())), {
    setup: (i) => i.addKey('decoy', 'RS256', false).alias('rsa-1', 'decoy'),
  }),
  oidc('token without kid, several keys published', 'accepted', (t) => bearer(t.issuer.sign(t.claims(), { kid: 'ec-1', noKid: true }))),
  oidc('JWK use/alg/key_ops say otherwise', 'accepted', (t) => bearer(t.issuer.sign(t.claims())), {
    setup: (i) => (i.jwkExtras = { use: 'enc', alg: 'RS512', key_ops: ['encrypt'] }),
  }),
  oidc('unknown kid', 'refused', (t) => bearer(t.issuer.sign(t.claims(), { kid: 'rsa-2' })), { because: /failed to verify id token signature/, setup: (i) => i.addKey('rsa-2', 'RS256', false) }),
  oidc('JWKS holding an entry of an unknown key type (go-jose cannot decode the set)', 'refused', (t) => bearer(t.issuer.sign(t.claims())), {
    because: /unknown key type/,
    setup: (i) => (i.extraJwks = [{ kty: 'XYZ', kid: 'other' }]),
  }),
  oidc('key removed from the JWKS', 'refused', (t) => bearer(t.issuer.sign(t.claims())), { because: /failed to verify id token signature/, setup: (i) => i.revoke('rsa-1') }),

  // gcr (google idtoken).
  gcr('RS256 push token', 'accepted', (t) => bearer(t.issuer.sign(t.claims()))),
  gcr('ES256 push token', 'accepted', (t) => bearer(t.issuer.sign(t.claims(), { kid: 'ec-1' }))),
  gcr('signature with = padding', 'refused', (t) => bearer(`${t.issuer.sign(t.claims())}=`), { because: /illegal base64 data/ }),
  gcr('raw 0xA0 byte after the token', 'refused', (t) => `${bearer(t.issuer.sign(t.claims()))}\u00a0`, { because: /illegal base64 data/ }),
  gcr('two spaces after Bearer (not trimmed)', 'refused', (t) => `Bearer  ${t.issuer.sign(t.claims())}`, { because: /illegal base64 data/ }),
  gcr('exp equal to the current second (now > exp fails only after)', 'accepted', (t) => bearer(t.issuer.sign(t.claims({ exp: NOW })))),
  gcr('exp one second past', 'refused', (t) => bearer(t.issuer.sign(t.claims({ exp: NOW - 1 }))), { because: /token expired/ }),
  gcr('exp written as a string', 'refused', (t) => bearer(t.issuer.sign(t.claims({ exp: String(NOW + 600) }))), { because: /\.exp of type int64/ }),
  gcr('exp with a fraction (not an int64)', 'refused', (t) => bearer(t.issuer.sign(t.claims({ exp: NOW + 600.5 }))), { because: /\.exp of type int64/ }),
  gcr('aud an array', 'refused', (t) => bearer(t.issuer.sign(t.claims({ aud: [AUDIENCE] }))), { because: /\.aud of type string/ }),
  gcr('AUD in upper case', 'accepted', (t) => bearer(t.issuer.sign(t.claims({ aud: undefined, AUD: AUDIENCE })))),
  gcr('alg twice in the header, RS256 last', 'accepted', (t) => bearer(t.issuer.signRaw('{"alg":"HS256","alg":"RS256","kid":"rsa-1"}', JSON.stringify(t.claims()), 'rsa-1'))),
  gcr('alg twice in the header, HS256 last', 'refused', (t) => bearer(t.issuer.signRaw('{"alg":"RS256","alg":"HS256","kid":"rsa-1"}', JSON.stringify(t.claims()), 'rsa-1')), { because: /RS256 or ES256/ }),
  gcr('unknown kid', 'refused', (t) => bearer(t.issuer.sign(t.claims(), { kid: 'rsa-2' })), { because: /could not find matching cert keyId/, setup: (i) => i.addKey('rsa-2', 'RS256', false) }),
  gcr('email_verified a string', 'refused', (t) => bearer(t.issuer.sign(t.claims({ email_verified: 'true' }))), { because: /email is not verified/ }),
];

function tools(issuer: HttpsIssuer, via: Row['via']): Tools {
  const standard = via === 'gcr'
    ? { iss: 'https://accounts.google.com', aud: AUDIENCE, sub: '1234567890', email: EMAIL, email_verified: true, iat: NOW - 10, exp: NOW + 600 }
    : { iss: issuer.issuer, aud: 'flux', sub: 'repo:org/app:ref:refs/heads/main', iat: NOW - 10, exp: NOW + 600 };
  const claims = (over: Record<string, unknown> = {}) => JSON.parse(JSON.stringify({ ...standard, ...over })) as Record<string, unknown>;
  return {
    issuer,
    claims,
    claimsText: (extra, over) => {
      const text = JSON.stringify(claims(over));
      return extra === '' ? text : `${withoutLast(text)},${extra}}`;
    },
  };
}

function request(authorization: string, via: Row['via']): WebhookRequest {
  return { method: 'POST', headers: { 'authorization': authorization, 'content-type': 'application/json' }, body: Buffer.from(via === 'gcr' ? GCR_BODY : '{}') };
}

function context(issuer: HttpsIssuer, via: Row['via']): ProviderContext {
  const options = { ca: TEST_CA, clock };
  return {
    name: 'table',
    namespace: 'default',
    spec: {
      type: via,
      resources: [],
      ...(via === 'generic-oidc' ? { oidcProviders: [{ issuerURL: issuer.issuer, audience: 'flux', validations: [{ expression: 'true', message: 'never' }] }] } : {}),
    },
    secret: via === 'gcr' ? { token: Buffer.from('token'), email: Buffer.from(EMAIL), audience: Buffer.from(AUDIENCE) } : undefined,
    verifiers: {
      oidc: new OidcTokenVerifier(options),
      google: new GoogleIdTokenVerifier({ ...options, rs256CertsUrl: issuer.keysUrl('rsa'), es256CertsUrl: issuer.keysUrl('ec') }),
    },
  };
}

async function startIssuer(): Promise<HttpsIssuer> {
  const issuer = await HttpsIssuer.start();
  return issuer.addKey('rsa-1', 'RS256').addKey('ec-1', 'ES256');
}

describe('crafted tokens: the verdict Flux gives', () => {
  let shared: HttpsIssuer;
  beforeAll(async () => {
    shared = await startIssuer();
  });
  afterAll(() => shared.close());

  test('every class of the table is covered by both verdicts where Flux differs', () => {
    expect(ROWS.filter((r) => r.flux === 'accepted').length).toBeGreaterThan(15);
    expect(ROWS.filter((r) => r.flux === 'refused').length).toBeGreaterThan(40);
    expect(new Set(ROWS.map((r) => `${r.via}: ${r.name}`)).size).toBe(ROWS.length);
    expect(ROWS.filter((r) => r.flux === 'refused' && !r.because)).toEqual([]);
  });

  test.each(ROWS.map((row) => [`${row.via}: ${row.name} → ${row.flux}`, row] as const))('%s', async (_, row) => {
    const issuer = row.setup ? await startIssuer() : shared;
    try {
      row.setup?.(issuer);
      const t = tools(issuer, row.via);
      const provider = row.via === 'gcr' ? gcrProvider : genericOidcProvider;
      const verdict = await provider.validate(request(row.authorization(t), row.via), context(issuer, row.via));
      if (row.flux === 'accepted') {
        expect(verdict).toMatchObject({ ok: true });
        if (row.expectClaims) expect(verdict.ok && verdict.claims).toMatchObject(row.expectClaims);
      } else {
        expect(verdict).toMatchObject({ ok: false, reason: expect.stringMatching(row.because!) });
      }
    } finally {
      if (issuer !== shared) await issuer.close();
    }
  });
});

test('Node hands header bytes over as latin1, which the table relies on (raw 0xA0 → U+00A0, C2 A0 → two characters)', async () => {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(req.headers.authorization ?? '');
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const port = (server.address() as AddressInfo).port;
    for (const tail of [Buffer.from([0xa0]), Buffer.from([0xc2, 0xa0])]) {
      await new Promise<void>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () => {
          socket.end(Buffer.concat([Buffer.from('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer a.b.c'), tail, Buffer.from('\r\n\r\n')]));
        });
        socket.on('data', () => undefined);
        socket.on('close', () => resolve());
        socket.on('error', reject);
      });
    }
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
  expect(seen).toEqual(['Bearer a.b.c\u00a0', 'Bearer a.b.c\u00c2\u00a0']);
});
