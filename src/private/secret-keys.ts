// A receiver's Secret defined in the app itself can be checked for the keys the receiver reads:
// without them the receiver never becomes ready (Flux) or answers every webhook with HTTP 400
// (gcr without `email`/`audience`), which otherwise shows only once a webhook arrives.
import { ApiObject } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { ReceiverType } from '../receiver-type';

/** The keys a receiver of `type` reads from its Secret. */
function requiredKeys(type: ReceiverType): string[] {
  return type === ReceiverType.GCR ? ['token', 'email', 'audience'] : ['token'];
}

/**
 * When `secret` is defined in the app (not a reference by name), checks at synth time, once
 * every key has been added, that it holds the keys receiver `receiver` of `type` reads.
 */
export function checkSecretKeysAtSynth(receiver: string, type: ReceiverType, secret: kplus.ISecret, verificationKeys: string[] = []): void {
  const object = secret.node.defaultChild;
  if (!(object instanceof ApiObject) || object.kind !== 'Secret') return;
  secret.node.addValidation({
    validate: () => {
      const json = object.toJson();
      const present = new Set([...Object.keys(json.data ?? {}), ...Object.keys(json.stringData ?? {})]);
      const missing = requiredKeys(type).filter((k) => !present.has(k));
      const unlisted = verificationKeys.filter((k) => !present.has(k));
      if (missing.length === 0 && unlisted.length > 0) {
        return [`Secret ${JSON.stringify(secret.name)} of ${type} receiver ${JSON.stringify(receiver)} lacks the verification key${unlisted.length > 1 ? 's' : ''} ${unlisted.map((k) => JSON.stringify(k)).join(', ')} named by verificationKeys `
          + `(it has ${[...present].sort().map((k) => JSON.stringify(k)).join(', ')}), so deliveries signed with ${unlisted.length > 1 ? 'them' : 'it'} would be refused: `
          + `add ${unlisted.map((k) => `addStringData(${JSON.stringify(k)}, …)`).join(' and ')}, or remove ${unlisted.length > 1 ? 'them' : 'it'} from verificationKeys`];
      }
      if (missing.length === 0) return [];
      return [`Secret ${JSON.stringify(secret.name)} of ${type} receiver ${JSON.stringify(receiver)} lacks the key${missing.length > 1 ? 's' : ''} ${missing.map((k) => JSON.stringify(k)).join(', ')} `
        + `(it has ${present.size > 0 ? [...present].sort().map((k) => JSON.stringify(k)).join(', ') : 'none'}), so the receiver could not verify any webhook: `
        + `add ${missing.map((k) => `addStringData(${JSON.stringify(k)}, …)`).join(' and ')}${type === ReceiverType.GCR ? ' (email: the push subscription\'s service account; audience: its OIDC audience)' : ''}, `
        + 'or reference a Secret managed elsewhere with kplus.Secret.fromSecretName()'];
    },
  });
}
