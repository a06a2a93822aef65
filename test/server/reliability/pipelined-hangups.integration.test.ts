// Pipelined requests from a client that hangs up: Node never emits 'close' on the responses still
// queued behind the first one, so counting "in flight until the response closed" leaked them for
// good, and SIGTERM then waited its whole grace period. Bundled process, real apiserver: the
// in-flight gauge must return to 0 and SIGTERM must drain in well under a second.
import * as net from 'net';
import { hookPath } from '../../../src/model';
import { createTestNamespace } from '../../harness/kube';
import { BundleProcess, sampleValue } from '../../harness/server-process';
import { createGitRepositories, receiver } from '../receiver-fixture';

const INFLIGHT = 'gotk_receiver_http_requests_inflight{service="",handler="/hook/"}';

describe('pipelined requests and hang-ups (bundled process)', () => {
  let ns: string;
  let server: BundleProcess;

  beforeAll(async () => {
    ns = await createTestNamespace('pipelined');
    await createGitRepositories(ns, [{ name: 'app' }]);
    server = await BundleProcess.start({
      tokens: { g: 'pipelined-token' },
      receivers: [receiver('g', ns, { type: 'generic', secretRef: { name: 'g' }, resources: [{ kind: 'GitRepository', name: 'app' }] })],
    });
  });

  afterAll(async () => {
    await server?.stop();
  });

  /** Writes `count` pipelined POSTs on one connection and destroys it right away. */
  function pipelineAndHangUp(path: string, count: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(server.ports.webhook, '127.0.0.1', () => {
        let data = '';
        for (let i = 0; i < count; i++) data += `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}`;
        socket.write(data, () => setTimeout(() => {
          socket.destroy();
          resolve();
        }, 2));
      });
      socket.on('error', reject);
    });
  }

  test('20 hang-ups with 3 pipelined requests each: the in-flight gauge returns to 0, SIGTERM drains at once', async () => {
    const valid = hookPath('pipelined-token', 'g', ns);
    await Promise.all(Array.from({ length: 20 }, (_, i) => pipelineAndHangUp(i % 2 === 0 ? valid : '/hook/0123abcd', 3)));
    const deadline = Date.now() + 3000;
    let inflight: number | undefined;
    while (Date.now() < deadline) {
      inflight = sampleValue(await server.metric('gotk_receiver_http_requests_inflight'), INFLIGHT);
      if (inflight === 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(inflight).toBe(0);

    const signalled = Date.now();
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(1000);
    expect(server.lines()).toEqual(expect.arrayContaining([expect.objectContaining({ msg: 'shut down', drained: true })]));
  });
});
