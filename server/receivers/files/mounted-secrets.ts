// Secrets mounted as files, the way a Pod sees them: `<dir>/<secretName>/<key>`. Bytes are used
// as they are (a trailing newline is part of the token, like Flux reading `data.token`).
import * as fs from 'fs';
import * as path from 'path';
import { SECRET_KEYS } from '../../../src/model';
import type { ReceiverSecret } from '../../providers/provider';

export type SecretRead = { readonly ok: true; readonly secret: ReceiverSecret } | { readonly ok: false; readonly reason: string };

/** Reads the keys a receiver can use; `token` is required, `email`/`audience` optional (gcr checks them). */
export function readMountedSecret(secretsDir: string | undefined, namespace: string, name: string): SecretRead {
  const where = `secret '${namespace}/${name}'`;
  if (!secretsDir) return { ok: false, reason: `unable to read token from ${where}: no --secrets-dir configured` };
  if (name.includes('/') || name === '.' || name === '..') return { ok: false, reason: `invalid secret name ${JSON.stringify(name)}` };
  const dir = path.join(secretsDir, name);
  if (!fs.existsSync(dir)) return { ok: false, reason: `unable to read token from ${where}: ${dir} does not exist` };
  const read = (key: string): Buffer | undefined => {
    try {
      return fs.readFileSync(path.join(dir, key));
    } catch {
      return undefined;
    }
  };
  const token = read(SECRET_KEYS.token);
  if (!token) return { ok: false, reason: `invalid '${namespace}/${name}' secret data: required fields 'token' (no file ${path.join(dir, SECRET_KEYS.token)})` };
  return { ok: true, secret: { token, email: read(SECRET_KEYS.email), audience: read(SECRET_KEYS.audience) } };
}

/** One key of a mounted Secret (a verification key named by the Receiver); undefined when absent. */
export function readMountedSecretKey(secretsDir: string, name: string, key: string): Buffer | undefined {
  try {
    return fs.readFileSync(path.join(secretsDir, name, key));
  } catch {
    return undefined;
  }
}
