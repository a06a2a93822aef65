// The standard claims decoded into Go structs as go-oidc (generic-oidc) and
// google.golang.org/api/idtoken (gcr) decode them: names matched case-insensitively with the last
// one winning, wrong types refused, null leaving a string alone, times as Go's time.Time.
import { decodeGoogleIdTokenPayload, decodeGoOidcIdToken, goInternalSeconds, goNowSeconds } from '../../../server/wire/go-claims';
import { parseGoJson } from '../../../server/wire/go-json';

const json = (text: string) => parseGoJson(Buffer.from(text));
const UNIX_TO_INTERNAL = 62_135_596_800n;

describe('decodeGoOidcIdToken (go-oidc idToken)', () => {
  test('the claims, with aud as a string or a list and times as internal Go seconds', () => {
    expect(decodeGoOidcIdToken(json('{"iss":"https://i","sub":"ci","aud":"flux","exp":1700000000,"nbf":"1600000000","nonce":"n","at_hash":"h"}'))).toEqual({
      iss: 'https://i',
      sub: 'ci',
      aud: ['flux'],
      exp: 1_700_000_000n + UNIX_TO_INTERNAL,
      nbf: 1_600_000_000n + UNIX_TO_INTERNAL,
      nonce: 'n',
      atHash: 'h',
      claimNames: null,
      claimSources: null,
    });
    expect(decodeGoOidcIdToken(json('{"aud":["a",null,"b"]}')).aud).toEqual(['a', '', 'b']);
    expect(decodeGoOidcIdToken(json('{"aud":null}')).aud).toEqual(['']);
  });

  test('names match case-insensitively and the last one wins; null leaves a string as it was', () => {
    const token = decodeGoOidcIdToken(json('{"sub":"first","SUB":"second","iss":"kept","Iss":null,"\u017fub":"third"}'));
    expect(token).toMatchObject({ sub: 'third', iss: 'kept' });
  });

  test('a value of the wrong type is Go\'s unmarshal error', () => {
    expect(() => decodeGoOidcIdToken(json('{"sub":1}'))).toThrow('json: cannot unmarshal number into Go struct field .sub of type string');
    expect(() => decodeGoOidcIdToken(json('{"aud":{"a":1}}'))).toThrow('json: cannot unmarshal object into Go struct field .aud of type []string');
    expect(() => decodeGoOidcIdToken(json('{"exp":"soon"}'))).toThrow('json: invalid number literal, trying to unmarshal "soon" into Number');
    expect(() => decodeGoOidcIdToken(json('[]'))).toThrow('json: cannot unmarshal array into Go value of type oidc.idToken');
  });

  test('exp past int64 wraps as in Go: a fraction truncates, out of range is the minimum', () => {
    expect(decodeGoOidcIdToken(json('{"exp":1700000000.9}')).exp).toBe(1_700_000_000n + UNIX_TO_INTERNAL);
    expect(decodeGoOidcIdToken(json('{"exp":1e30}')).exp).toBe(goInternalSeconds(-(2n ** 63n)));
    expect(decodeGoOidcIdToken(json('{"exp":9223372036854775807}')).exp).toBeLessThan(goNowSeconds(Date.now()));
  });

  test('distributed claims must name a source that exists', () => {
    expect(decodeGoOidcIdToken(json('{"_claim_names":{"groups":"src1"},"_claim_sources":{"src1":{"endpoint":"https://e","access_token":"t"}}}'))).toMatchObject({
      claimNames: new Map([['groups', 'src1']]),
      claimSources: new Map([['src1', { endpoint: 'https://e', accessToken: 't' }]]),
    });
    expect(() => decodeGoOidcIdToken(json('{"_claim_names":{"groups":"missing"}}'))).toThrow('oidc: source does not exist');
    expect(() => decodeGoOidcIdToken(json('{"_claim_names":{"groups":""},"_claim_sources":{"":{}}}'))).toThrow('oidc: failed to obtain source from claim name');
  });
});

describe('decodeGoogleIdTokenPayload (idtoken.Payload)', () => {
  test('aud is one string and exp/iat int64 literals', () => {
    expect(decodeGoogleIdTokenPayload(json('{"iss":"https://accounts.google.com","aud":"https://hook","exp":1700000600,"iat":1700000000,"sub":"1"}'))).toEqual({
      iss: 'https://accounts.google.com', aud: 'https://hook', exp: 1_700_000_600n, iat: 1_700_000_000n, sub: '1',
    });
    expect(() => decodeGoogleIdTokenPayload(json('{"aud":["a"]}'))).toThrow('json: cannot unmarshal array into Go struct field .aud of type string');
    expect(() => decodeGoogleIdTokenPayload(json('{"exp":1.5}'))).toThrow('json: cannot unmarshal number into Go struct field .exp of type int64');
    expect(() => decodeGoogleIdTokenPayload(json('{"exp":9223372036854775808}'))).toThrow('of type int64');
  });
});
