import { headerValue } from './_headers';
import type { Accepted, Rejected, WebhookRequest } from './provider';
import { contentTypeListsJson } from '../wire/media-type';

export function reject(reason: string): Rejected {
  return { ok: false, reason };
}

/** Accepts with the raw body as payload; `payloadIsJson` follows the request's Content-Type like Flux. */
export function accept(request: WebhookRequest, fields: Omit<Accepted, 'ok' | 'payload' | 'payloadIsJson'> & { readonly payload?: Buffer }): Accepted {
  return {
    ok: true,
    payloadIsJson: contentTypeListsJson(headerValue(request, 'content-type')),
    ...fields,
    payload: fields.payload ?? request.body,
  };
}

/** The Secret's token; undefined when the Secret or its `token` key is missing (Flux answers 400). */
export function secretToken(secret: { readonly token?: Buffer } | undefined): Buffer | undefined {
  return secret?.token;
}

export const MISSING_TOKEN = "unable to read token, error: invalid secret data: required field 'token'";

/** Log-safe rendering of a sender-controlled string (bounded, quoted). */
export function quoted(value: string, max = 200): string {
  return JSON.stringify(bounded(value, max));
}

/** A sender-controlled string cut to a length fit for a log line. */
export function bounded(value: string, max = 200): string {
  return value.length > max ? `${value.slice(0, max)}…` : value;
}
