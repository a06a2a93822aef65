// The one hot GitRepository every accepted request targets, on the real test kube-apiserver,
// and an independent count of how often it really changed (watch MODIFIED events).
import * as http from 'http';
import * as https from 'https';
import { TestApiServer } from '../../test/harness/apiserver';

export const HOT_NAMESPACE = 'bench-server';
export const HOT_NAME = 'hot';
const GITREPOSITORIES = `/apis/source.toolkit.fluxcd.io/v1/namespaces/${HOT_NAMESPACE}/gitrepositories`;

/** The object's URL on the API server (what a merge patch is sent to). */
export function hotTargetUrl(api: TestApiServer): string {
  return `${api.url}${GITREPOSITORIES}/${HOT_NAME}`;
}

/** Creates the namespace and the GitRepository (idempotent). */
export async function createHotTarget(api: TestApiServer): Promise<void> {
  await _request(api, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: HOT_NAMESPACE } }, [201, 409]);
  await _request(api, 'POST', GITREPOSITORIES, {
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    kind: 'GitRepository',
    metadata: { name: HOT_NAME, namespace: HOT_NAMESPACE },
    spec: { url: 'https://github.com/acme-platform/fleet-infra', interval: '10m', ref: { branch: 'main' } },
  }, [201, 409]);
}

export interface UpdateCounter {
  /** Stops watching and returns how many MODIFIED events were seen. */
  stop(): Promise<number>;
}

/** Watches the hot object from its current resourceVersion and counts its updates. */
export async function countHotTargetUpdates(api: TestApiServer): Promise<UpdateCounter> {
  const current = JSON.parse(await _request(api, 'GET', `${GITREPOSITORIES}/${HOT_NAME}`, undefined, [200]));
  const path = `${GITREPOSITORIES}?watch=1&fieldSelector=metadata.name%3D${HOT_NAME}&resourceVersion=${current.metadata.resourceVersion}&timeoutSeconds=600`;
  let modified = 0;
  let pending = '';
  const req = https.request(`${api.url}${path}`, { headers: { Authorization: `Bearer ${api.adminToken}` }, ca: api.caPem });
  const response = new Promise<http.IncomingMessage>((resolve, reject) => {
    req.on('response', resolve);
    req.on('error', reject);
  });
  req.end();
  const res = await response;
  if (res.statusCode !== 200) throw new Error(`watch of ${HOT_NAMESPACE}/${HOT_NAME}: HTTP ${res.statusCode}`);
  res.setEncoding('utf8');
  res.on('data', (chunk: string) => {
    pending += chunk;
    let newline: number;
    while ((newline = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      // Events are one JSON object per line; only the type matters here.
      if (line.startsWith('{"type":"MODIFIED"')) modified++;
    }
  });
  res.on('error', () => undefined);
  return {
    stop: async () => {
      // Let the last events arrive before closing the stream.
      await new Promise((r) => setTimeout(r, 300));
      req.destroy();
      return modified;
    },
  };
}

function _request(api: TestApiServer, method: string, path: string, body: unknown, expect: readonly number[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = https.request(`${api.url}${path}`, {
      method,
      ca: api.caPem,
      headers: {
        Authorization: `Bearer ${api.adminToken}`,
        Accept: 'application/json',
        ...(data ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) } : {}),
      },
      timeout: 10_000,
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if (expect.includes(res.statusCode ?? 0)) resolve(text);
        else reject(new Error(`${method} ${path}: HTTP ${res.statusCode} ${text.slice(0, 300)}`));
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timeout`)));
    req.on('error', reject);
    req.end(data);
  });
}
