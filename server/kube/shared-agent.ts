// client-node 1.4.0 builds a new https.Agent for every API call (applySecurityAuthentication /
// applyToHTTPSOptions), so every PATCH paid a full TLS handshake. This keeps one keep-alive agent
// per TLS identity (CA, client certificate, server name, verification) and hands it out instead of
// the per-call one. Only the connection is shared: the Authorization header is still set per call
// by client-node, so rotated tokens are honoured; rotated CA or client-certificate files give a
// new identity and so a new agent.
import * as http from 'http';
import * as https from 'https';

/** The TLS options client-node copies onto each per-call agent, i.e. what identifies a connection. */
const IDENTITY_OPTIONS = ['ca', 'cert', 'key', 'pfx', 'passphrase', 'rejectUnauthorized', 'servername'] as const;

/** How long an agent replaced by a new identity keeps serving calls already on it (watches last ≤ 6 min). */
const RETIRE_AFTER_MS = 10 * 60_000;

export class SharedAgent {
  private current?: { readonly identity: readonly unknown[]; readonly agent: http.Agent };
  private readonly retiring = new Set<http.Agent>();

  /**
   * The shared keep-alive agent with the TLS identity of `perCall` (an agent client-node just made
   * for one call). Proxy agents and anything else that is not a plain node agent are returned as
   * they are.
   */
  agentFor(perCall: unknown): http.Agent | undefined {
    if (!(perCall instanceof http.Agent) || !isPlainAgent(perCall)) return perCall as http.Agent | undefined;
    const options = (perCall as http.Agent & { options: Record<string, unknown> }).options;
    const identity = IDENTITY_OPTIONS.map((k) => options[k]);
    const tls = perCall instanceof https.Agent;
    identity.push(tls);
    if (this.current && sameIdentity(this.current.identity, identity)) return this.current.agent;
    if (this.current) this.retire(this.current.agent);
    const agentOptions: https.AgentOptions = { keepAlive: true };
    IDENTITY_OPTIONS.forEach((k, i) => {
      if (identity[i] !== undefined) (agentOptions as Record<string, unknown>)[k] = identity[i];
    });
    const agent = tls ? new https.Agent(agentOptions) : new http.Agent({ keepAlive: true });
    this.current = { identity, agent };
    return agent;
  }

  /** Closes every connection (on shutdown). */
  destroy(): void {
    this.current?.agent.destroy();
    this.current = undefined;
    for (const agent of this.retiring) agent.destroy();
    this.retiring.clear();
  }

  private retire(agent: http.Agent): void {
    this.retiring.add(agent);
    const timer = setTimeout(() => {
      this.retiring.delete(agent);
      agent.destroy();
    }, RETIRE_AFTER_MS);
    timer.unref();
  }
}

/** True for node's own http/https agents, not subclasses such as proxy agents. */
function isPlainAgent(agent: http.Agent): boolean {
  const proto = Object.getPrototypeOf(agent) as unknown;
  return proto === https.Agent.prototype || proto === http.Agent.prototype;
}

function sameIdentity(a: readonly unknown[], b: readonly unknown[]): boolean {
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x === y) continue;
    if (Buffer.isBuffer(x) && Buffer.isBuffer(y) && x.equals(y)) continue;
    if (Array.isArray(x) && Array.isArray(y) && x.length === y.length && x.every((v, j) => sameIdentity([v], [y[j]]))) continue;
    return false;
  }
  return true;
}
