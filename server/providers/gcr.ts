// gcr: Pub/Sub push from Google Container/Artifact Registry. The Google-signed ID token must carry
// the Secret's `audience` and `email` (verified); the Pub/Sub envelope's base64 `message.data` is
// unwrapped, and CEL sees `{action,digest,tag}`.
import { headerValue } from './_headers';
import { accept, MISSING_TOKEN, reject, secretToken } from './_verdict';
import type { Provider } from './provider';
import { decodeFirstJsonValue, decodeStrictJson } from '../wire/go-json';
import { decodeJsonShape } from '../wire/json-shape';

export const GOOGLE_ISSUERS = ['accounts.google.com', 'https://accounts.google.com'] as const;

const ENVELOPE = { message: { data: 'string', messageId: 'string', publishTime: 'rfc3339', subscription: 'string' } } as const;
const EVENT = { action: 'string', digest: 'string', tag: 'string' } as const;
const STD_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

interface GcrEvent {
  action?: string;
  digest?: string;
  tag?: string;
}

// Go's json.Marshal escapes HTML-significant characters and the JS line separators.
function goJsonString(value: string): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export const gcrProvider: Provider = {
  type: 'gcr',
  async validate(request, context) {
    if (secretToken(context.secret) === undefined) return reject(MISSING_TOKEN);
    const email = context.secret?.email?.toString('utf8') ?? '';
    const audience = context.secret?.audience?.toString('utf8') ?? '';
    if (email === '') return reject("invalid secret data: required field 'email' for GCR receiver");
    if (audience === '') return reject("invalid secret data: required field 'audience' for GCR receiver");

    const authorization = headerValue(request, 'authorization');
    if (!authorization.startsWith('Bearer ')) return reject('the Authorization header is not a Bearer token');
    let claims: Record<string, unknown>;
    try {
      claims = await context.verifiers.google.verify(authorization.slice('Bearer '.length), { issuer: [...GOOGLE_ISSUERS], audience });
    } catch (err) {
      return reject(`cannot authenticate GCR request: ${(err as Error).message}`);
    }
    if (!(GOOGLE_ISSUERS as readonly unknown[]).includes(claims.iss)) return reject('the ID token was not issued by Google');
    if (claims.email !== email) return reject('the ID token email does not match the Secret email');
    if (claims.email_verified !== true) return reject('the ID token email is not verified');

    const envelope = decodeJsonShape(decodeFirstJsonValue(request.body), ENVELOPE);
    if (!envelope.ok) return reject(`cannot decode GCR webhook payload: ${envelope.error}`);
    const data = ((envelope.value ?? {}) as { message?: { data?: string } }).message?.data ?? '';
    // Go ignores a base64 error and goes on with empty bytes, which then fail to unmarshal.
    const inner = STD_BASE64.test(data) ? Buffer.from(data, 'base64') : Buffer.alloc(0);
    const decoded = decodeJsonShape(decodeStrictJson(inner), EVENT);
    if (!decoded.ok) return reject(`cannot decode GCR webhook body: ${decoded.error}`);
    const event = (decoded.value ?? {}) as GcrEvent;
    const payload = Buffer.from(
      `{"action":${goJsonString(event.action ?? '')},"digest":${goJsonString(event.digest ?? '')},"tag":${goJsonString(event.tag ?? '')}}`,
      'utf8',
    );
    return accept(request, {
      description: `handling GCR event from ${event.digest ?? ''} for tag ${event.tag ?? ''}`,
      deliveryId: ((envelope.value ?? {}) as { message?: { messageId?: string } }).message?.messageId,
      payload,
    });
  },
};
