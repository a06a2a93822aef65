// Which agent an API call gets: the same keep-alive agent while the TLS identity is unchanged
// (content, not object identity, since client-node re-reads CA and certificate files per call),
// a new one when it changes, and anything that is not a plain node agent passes through.
import * as http from 'http';
import * as https from 'https';
import { SharedAgent } from '../../../server/kube/shared-agent';

const perCall = (ca: string, extra: https.AgentOptions = {}): https.Agent => new https.Agent({ ca: Buffer.from(ca), ...extra });

describe('SharedAgent', () => {
  let shared: SharedAgent;
  beforeEach(() => (shared = new SharedAgent()));
  afterEach(() => shared.destroy());

  test('per-call agents with equal TLS material share one keep-alive agent', () => {
    const first = shared.agentFor(perCall('CA-1'));
    const second = shared.agentFor(perCall('CA-1'));
    expect(second).toBe(first);
    expect(first).toBeInstanceOf(https.Agent);
    expect((first as https.Agent & { keepAlive: boolean }).keepAlive).toBe(true);
    expect((first as https.Agent & { options: https.AgentOptions }).options.ca).toEqual(Buffer.from('CA-1'));
  });

  test('a rotated CA, server name or verification setting gives a new agent', () => {
    const first = shared.agentFor(perCall('CA-1'));
    const rotated = shared.agentFor(perCall('CA-2'));
    expect(rotated).not.toBe(first);
    expect(shared.agentFor(perCall('CA-2', { servername: 'api.example' }))).not.toBe(rotated);
    const insecure = shared.agentFor(perCall('CA-2', { servername: 'api.example', rejectUnauthorized: false }));
    expect((insecure as https.Agent & { options: https.AgentOptions }).options.rejectUnauthorized).toBe(false);
  });

  test('plain http agents are shared too; subclasses (proxy agents) and undefined pass through', () => {
    const plain = shared.agentFor(new http.Agent());
    expect(shared.agentFor(new http.Agent())).toBe(plain);
    expect(plain).not.toBeInstanceOf(https.Agent);
    class ProxyAgent extends https.Agent {}
    const proxy = new ProxyAgent();
    expect(shared.agentFor(proxy)).toBe(proxy);
    expect(shared.agentFor(undefined)).toBeUndefined();
  });
});
