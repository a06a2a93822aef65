// Token rotation: a provider check tried with each verification key in turn, the first that
// accepts wins. Providers stay unaware of rotation: each attempt sees one `token`, as in Flux.
import { SECRET_KEYS, TOKEN_VERIFYING_TYPES } from '../../src/model';
import type { Provider, ProviderContext, Verdict, WebhookRequest } from '../providers/provider';
import type { VerificationKey } from '../receivers/read-verification-keys';

/** The verdict, and for token-verifying types the name of the Secret key that matched. */
export interface KeyedVerdict {
  readonly verdict: Verdict;
  readonly key?: string;
}

/**
 * Runs `provider` once per key. Without listed keys (or for types whose token is only the path
 * seed) it runs once with the Secret as it is, which is Flux's check. When every key is refused,
 * the reason is the first key's, followed by any different reason another key got (e.g. a valid
 * signature with `token.next` but an event not in `spec.events`), named by key, never by value.
 */
export async function validateWithKeys(
  provider: Provider,
  request: WebhookRequest,
  context: ProviderContext,
  keys: readonly VerificationKey[] | undefined,
): Promise<KeyedVerdict> {
  const keyed = TOKEN_VERIFYING_TYPES.includes(provider.type);
  if (!keyed || keys === undefined) {
    const verdict = await provider.validate(request, context);
    return { verdict, key: keyed && verdict.ok ? SECRET_KEYS.token : undefined };
  }
  const reasons: { key: string; reason: string }[] = [];
  for (const key of keys) {
    const verdict = await provider.validate(request, { ...context, secret: { ...context.secret, token: key.value } });
    if (verdict.ok) return { verdict, key: key.name };
    reasons.push({ key: key.name, reason: verdict.reason });
  }
  const [first, ...others] = reasons;
  const different = others.filter((r, i) => r.reason !== first.reason && others.findIndex((o) => o.reason === r.reason) === i);
  const reason = [first.reason, ...different.map((r) => `with key '${r.key}': ${r.reason}`)].join('; ');
  return { verdict: { ok: false, reason } };
}
