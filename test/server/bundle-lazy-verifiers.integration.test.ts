// The bundle loads the token verifiers (jose) only when a delivery needs one: a generic-oidc
// delivery through the bundled executable still reaches the real verifier.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { stringify } from 'yaml';
import { hookPath } from '../../src/model';
import { freePort } from '../harness/apiserver';
import { statusOf } from '../harness/http';
import { adminKubeconfigPath, eventually } from '../harness/kube';
import { BundleProcess } from '../harness/server-process';

const b64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

test('a generic-oidc delivery loads the OIDC verifier on demand and is judged by it', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bundle-oidc-'));
  // Nothing listens there: the verifier's discovery fails, which only the real verifier can report.
  const issuer = `http://127.0.0.1:${await freePort()}`;
  fs.writeFileSync(path.join(dir, 'receivers.yaml'), stringify({
    apiVersion: 'notification.toolkit.fluxcd.io/v1',
    kind: 'Receiver',
    metadata: { name: 'oidc', namespace: 'default' },
    spec: { type: 'generic-oidc', oidcProviders: [{ issuerURL: issuer, validations: [{ expression: "claims.sub == 'ci'", message: 'wrong subject' }] }], resources: [] },
  }));
  const proc = await BundleProcess.serve({ args: ['--receivers', path.join(dir, 'receivers.yaml'), '--kubeconfig', adminKubeconfigPath()], waitUntilReady: false });
  try {
    const token = `${b64url({ alg: 'RS256', kid: 'k' })}.${b64url({ iss: issuer, aud: 'flux', exp: Math.floor(Date.now() / 1000) + 600 })}.c2ln`;
    const url = proc.url(hookPath('', 'oidc', 'default'));
    const status = await eventually('receiver served', async () => {
      const s = await statusOf(url, { headers: { 'Authorization': `Bearer ${token}`, 'Content-Type': 'application/json' }, body: '{}' });
      return s === 400 ? s : undefined;
    }, 20_000).catch((e) => {
      throw new Error(`${(e as Error).message}\n${proc.output}`);
    });
    expect(status).toBe(400);
    expect(await proc.terminate()).toBe(0);
    const refused = proc.output.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'webhook refused');
    expect(refused).toMatchObject({ receiver: 'default/oidc', type: 'generic-oidc', status: 400 });
    // The verifier's own words: it was loaded and tried the issuer's discovery document.
    expect(refused!.error).toBe(`unable to validate payload: failed to verify OIDC token: failed to query OIDC discovery at ${issuer}/.well-known/openid-configuration: connect ECONNREFUSED ${issuer.slice('http://'.length)}`);
  } finally {
    await proc.stop();
  }
});
