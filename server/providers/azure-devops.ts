// azure-devops (extension, files mode only): Azure DevOps service hooks ("Web Hooks" consumer).
// The hook form offers two ways to carry a shared secret, and either is accepted:
// - basic authentication: any username, the token as password (`Authorization: Basic …`);
// - an HTTP header line `X-Webhook-Token:<token>` (the form's "HTTP headers" field).
// Azure DevOps signs nothing, so the body is not authenticated beyond the TLS channel. The event
// (`eventType`, e.g. `git.push`) and delivery id (`id`) come from the JSON body, for logs only;
// filter on them with a CEL resourceFilter over `req`.
import { headerValue, optionalHeader } from './_headers';
import { accept, bounded, MISSING_TOKEN, reject, secretToken } from './_verdict';
import type { Provider, WebhookRequest } from './provider';
import { constantTimeEqual } from '../wire/constant-time';

const BASIC = /^basic +([A-Za-z0-9+/]+={0,2})$/i;

/** The password of a Basic Authorization header, or undefined when there is none or it is malformed. */
function basicPassword(authorization: string): Buffer | undefined {
  const match = BASIC.exec(authorization.trim());
  if (!match) return undefined;
  const decoded = Buffer.from(match[1], 'base64');
  const colon = decoded.indexOf(0x3a);
  return colon < 0 ? undefined : decoded.subarray(colon + 1);
}

function bodyFields(request: WebhookRequest): { eventType?: string; id?: string } {
  try {
    const value: unknown = JSON.parse(request.body.toString('utf8'));
    if (typeof value !== 'object' || value === null) return {};
    const { eventType, id } = value as Record<string, unknown>;
    return { eventType: typeof eventType === 'string' ? eventType : undefined, id: typeof id === 'string' ? id : undefined };
  } catch {
    return {};
  }
}

export const azureDevOpsProvider: Provider = {
  type: 'azure-devops',
  validate(request, context) {
    const token = secretToken(context.secret);
    if (token === undefined) return reject(MISSING_TOKEN);
    const header = optionalHeader(request, 'x-webhook-token');
    const authorization = headerValue(request, 'authorization');
    if (header === undefined && authorization === '') {
      return reject('neither basic authentication nor the X-Webhook-Token header is present');
    }
    const password = header === undefined ? basicPassword(authorization) : Buffer.from(header, 'utf8');
    if (password === undefined) return reject('the Authorization header is not basic authentication (username:password)');
    if (!constantTimeEqual(password, token)) {
      return reject(`the ${header === undefined ? 'basic authentication password' : 'X-Webhook-Token header value'} does not match the receiver token`);
    }
    const fields = bodyFields(request);
    return accept(request, {
      event: fields.eventType === undefined ? undefined : bounded(fields.eventType),
      description: `handling Azure DevOps event: ${bounded(fields.eventType ?? 'unknown')}`,
      deliveryId: fields.id === undefined ? undefined : bounded(fields.id, 100),
    });
  },
};
