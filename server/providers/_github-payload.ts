// go-github's ValidatePayload, used by github and bitbucket receivers.
import { headerValue } from './_headers';
import type { WebhookRequest } from './provider';
import { formField } from '../wire/form-values';
import { validateSignature } from '../wire/hmac-signature';
import { parseMediaType } from '../wire/media-type';

export type PayloadCheck = { readonly ok: true; readonly payload: Buffer } | { readonly ok: false; readonly reason: string };

/**
 * Checks Content-Type (JSON, or a form whose `payload` field carries the JSON) and, when the token
 * is non-empty or a signature was sent, the HMAC over the raw body. `X-Hub-Signature-256` wins over
 * `X-Hub-Signature`; the value's prefix picks the algorithm.
 */
export function validateGitHubPayload(request: WebhookRequest, token: Buffer): PayloadCheck {
  const signature = headerValue(request, 'x-hub-signature-256') || headerValue(request, 'x-hub-signature');
  const contentType = headerValue(request, 'content-type');
  const mediaType = parseMediaType(contentType);
  if (mediaType === undefined) {
    return { ok: false, reason: `invalid Content-Type ${JSON.stringify(contentType.slice(0, 100))}` };
  }
  let payload: Buffer;
  if (mediaType === 'application/json') {
    payload = request.body;
  } else if (mediaType === 'application/x-www-form-urlencoded') {
    const field = formField(request.body, 'payload');
    if (!field.ok) return { ok: false, reason: field.reason };
    payload = field.value;
  } else {
    return { ok: false, reason: `webhook request has unsupported Content-Type ${JSON.stringify(mediaType.slice(0, 100))}` };
  }
  if (token.length > 0 || signature !== '') {
    const check = validateSignature(signature, request.body, token);
    if (!check.ok) return check;
  }
  return { ok: true, payload };
}
