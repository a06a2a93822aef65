// Flux's Test_handlePayload (docs/flux-behaviour.md, "Upstream tests mirrored here"), the provider-level cases: same inputs, same accept/reject.
// Cases about routing, readiness, Kubernetes and body limits (12–22) belong to the HTTP pipeline.
// For the CEL cases the verdict's payload goes through requestBodyForCel and the compiled filter,
// and "annotated" counts the target objects the filter lets through.
import { hmacHex, providerContext, validate, webhookRequest, type ContextOptions } from './provider-request';
import { compileFilter, evaluateFilter, requestBodyForCel } from '../../../server/filters';
import type { Verdict, WebhookRequest } from '../../../server/providers';
import { GoogleIdTokenVerifier } from '../../../server/verifiers';
import { FakeGoogleCerts } from '../verifiers/fake-key-servers';

const CDEVENT = '{"context":{"gitRepository":"adamkenihan/notification-controller","gitRevision":"5555","version":"0.3.0","id":"5555",'
  + '"source":"github","timestamp":"2023-12-07T14:51:29.908479495Z","type":"dev.cdevents.change.merged.0.2.0"},"subject":{"type":"change","id":"5555"}}';

const receiverObject = (name: string, annotations?: Record<string, string>, labels?: Record<string, string>) => ({
  apiVersion: 'notification.toolkit.fluxcd.io/v1',
  kind: 'Receiver',
  metadata: { name, ...(annotations ? { annotations } : {}), ...(labels ? { labels } : {}) },
});

/** How many objects a filter lets through for an accepted verdict (0 for a rejection). */
function annotated(verdict: Verdict, request: WebhookRequest, filter: string, objects: Record<string, unknown>[]): number {
  if (!verdict.ok) return 0;
  const compiled = compileFilter(filter, { claims: false });
  const req = requestBodyForCel(verdict.payload, request.headers['content-type'] as string | undefined);
  return objects.filter((res) => evaluateFilter(compiled, { res, req })).length;
}

const json = { 'Content-Type': 'application/json' };
const PUSH = '{"action":"push"}';
const NAME_AND_ACTION = "res.metadata.name == 'test-resource' && req.action == 'push'";
const testResource = [receiverObject('test-resource')];

describe('Test_handlePayload (provider-level cases)', () => {
  async function expectVerdict(type: string, request: WebhookRequest, options: ContextOptions, ok: boolean): Promise<Verdict> {
    const verdict = await validate(type, request, providerContext(type, options));
    expect(verdict.ok).toBe(ok);
    return verdict;
  }

  test('Generic receiver', async () => {
    await expectVerdict('generic', webhookRequest(), {}, true);
  });

  test('gitlab receiver', async () => {
    await expectVerdict('gitlab', webhookRequest({ headers: { 'X-Gitlab-Token': 'token' } }), {}, true);
  });

  test('cdevents receiver', async () => {
    const request = webhookRequest({ headers: { 'Ce-Type': 'cd.change.merged.v1', ...json }, body: CDEVENT });
    await expectVerdict('cdevents', request, { spec: { events: ['cd.change.merged.v1'] } }, true);
  });

  test('cdevents wrong event type', async () => {
    const request = webhookRequest({ headers: { 'Ce-Type': 'cd.change.merged.v1', ...json }, body: CDEVENT });
    await expectVerdict('cdevents', request, { spec: { events: ['cd.environment.modified.v1'] } }, false);
  });

  test('cdevents no event type specified', async () => {
    const request = webhookRequest({ headers: { 'Ce-Type': 'cd.change.merged.v1', ...json }, body: CDEVENT });
    await expectVerdict('cdevents', request, {}, true);
  });

  test('github receiver', async () => {
    const request = webhookRequest({ headers: { 'X-Hub-Signature-256': `sha256=${hmacHex('sha256', 'token', PUSH)}`, ...json }, body: PUSH });
    await expectVerdict('github', request, {}, true);
  });

  test('generic hmac receiver', async () => {
    const request = webhookRequest({ headers: { 'X-Signature': `sha256=${hmacHex('sha256', 'token', 'null')}` } });
    await expectVerdict('generic-hmac', request, {}, true);
  });

  test('bitbucket receiver', async () => {
    const request = webhookRequest({ headers: { 'X-Event-Key': 'push', 'X-Hub-Signature-256': `sha256=${hmacHex('sha256', 'token', PUSH)}`, ...json }, body: PUSH });
    await expectVerdict('bitbucket', request, { spec: { events: ['push'] } }, true);
  });

  test('quay receiver', async () => {
    await expectVerdict('quay', webhookRequest({ body: '{"docker_url":"docker.io","updated_tags":["v0.0.1"]}' }), {}, true);
  });

  test('harbor receiver', async () => {
    await expectVerdict('harbor', webhookRequest({ headers: { Authorization: 'token' } }), {}, true);
  });

  test.each(['generic', 'generic-hmac', 'github', 'gitlab', 'bitbucket', 'harbor', 'dockerhub', 'quay', 'gcr', 'nexus', 'acr', 'cdevents'])(
    'missing secret (%s)', async (type) => {
      const verdict = await expectVerdict(type, webhookRequest(), { secret: null }, false);
      expect(verdict).toMatchObject({ reason: expect.stringMatching(/token/) });
      await expectVerdict(type, webhookRequest(), { secret: {} }, false);
    });

  describe('CEL cases', () => {
    const GAR = '{"action":"INSERT","digest":"us-east1-docker.pkg.dev/my-project/my-repo/hello-world@sha256:6ec128e26cd5",'
      + '"tag":"us-east1-docker.pkg.dev/my-project/my-repo/hello-world:1.1"}';
    const UPDATE_IMAGE = "has(res.metadata.annotations) && req.tag.split('/').last().value().split(\":\").first().value() == res.metadata.annotations['update-image']";

    test('resources filtered with CEL expressions', async () => {
      const request = webhookRequest({ headers: { 'Content-Type': 'application/json; charset=utf-8' }, body: GAR });
      const verdict = await expectVerdict('generic', request, {}, true);
      const objects = [
        receiverObject('test-resource-1', { 'update-image': 'hello-world' }, { label: 'production' }),
        receiverObject('test-resource-3', undefined, { label: 'production' }),
      ];
      expect(annotated(verdict, request, UPDATE_IMAGE, objects)).toBe(1);
    });

    test('filtering out a single named resource with CEL', async () => {
      const request = webhookRequest({ headers: { 'Content-Type': 'application/json; charset=utf-8' }, body: GAR });
      const verdict = await expectVerdict('generic', request, {}, true);
      expect(annotated(verdict, request, UPDATE_IMAGE, [receiverObject('test-resource', { 'update-image': 'not-hello-world' })])).toBe(0);
    });

    test('CEL filtering a GitHub receiver', async () => {
      const request = webhookRequest({ headers: { 'X-Hub-Signature-256': `sha256=${hmacHex('sha256', 'token', PUSH)}`, 'X-GitHub-Event': 'push', ...json }, body: PUSH });
      const verdict = await expectVerdict('github', request, {}, true);
      expect(annotated(verdict, request, NAME_AND_ACTION, testResource)).toBe(1);
    });

    test('CEL filtering a GitLab receiver (does not read body)', async () => {
      const request = webhookRequest({ headers: { 'X-Gitlab-Token': 'token', 'X-Gitlab-Event': 'Push Hook', ...json }, body: PUSH });
      const verdict = await expectVerdict('gitlab', request, {}, true);
      expect(annotated(verdict, request, NAME_AND_ACTION, testResource)).toBe(1);
    });

    test('CEL filtering a cdevents receiver', async () => {
      const request = webhookRequest({ headers: { 'Ce-Type': 'cd.change.merged.v1', ...json }, body: CDEVENT });
      const verdict = await expectVerdict('cdevents', request, {}, true);
      expect(annotated(verdict, request, "req.context.gitRepository == 'adamkenihan/notification-controller'", testResource)).toBe(1);
    });

    test('CEL filtering a Bitbucket receiver', async () => {
      const request = webhookRequest({ headers: { 'X-Event-Key': 'repo:push', 'X-Hub-Signature-256': `sha256=${hmacHex('sha256', 'token', PUSH)}`, ...json }, body: PUSH });
      const verdict = await expectVerdict('bitbucket', request, {}, true);
      expect(annotated(verdict, request, NAME_AND_ACTION, testResource)).toBe(1);
    });

    test('CEL filtering a quay receiver', async () => {
      const request = webhookRequest({ headers: json, body: '{"docker_url":"docker.io","updated_tags":["v0.0.1"]}' });
      const verdict = await expectVerdict('quay', request, {}, true);
      expect(annotated(verdict, request, "req.docker_url == 'docker.io'", testResource)).toBe(1);
    });

    test('CEL filtering a Harbor receiver (does not read body)', async () => {
      const request = webhookRequest({ headers: { Authorization: 'token', ...json }, body: '{"events":[{"full_name":"prj/repo1"}]}' });
      const verdict = await expectVerdict('harbor', request, {}, true);
      expect(annotated(verdict, request, "req.events[0].full_name == 'prj/repo1'", testResource)).toBe(1);
    });

    test('CEL filtering a Docker hub receiver', async () => {
      const body = '{"push_data":{"tag":"docker.io/test-org/test-repo:latest"},"repository":{"repo_url":"https://hub.docker.com/r/test-org/test-repo"}}';
      const request = webhookRequest({ headers: json, body });
      const verdict = await expectVerdict('dockerhub', request, {}, true);
      expect(annotated(verdict, request, "req.push_data.tag.split('/').last().value().split(':').first().value() == 'test-repo'", testResource)).toBe(1);
    });

    describe('GCR', () => {
      let google: FakeGoogleCerts;
      let verifier: GoogleIdTokenVerifier;
      const AUDIENCE = 'https://flux.example.com/hook/6d6c55e9affb9d1e0d101ce604ae4270880ec1ff24d1bd2d928fcd64243d21a4';
      const EMAIL = 'gcr-push@my-project.iam.gserviceaccount.com';
      const INNER = '{"action":"INSERT","digest":"us-east1-docker.pkg.dev/my-project/my-repo/app1@sha256:6ec128e26cd5...",'
        + '"tag":"us-east1-docker.pkg.dev/my-project/my-repo/app1:v1.2.3"}';
      beforeAll(async () => {
        google = await FakeGoogleCerts.start();
        verifier = new GoogleIdTokenVerifier({ rs256CertsUrl: google.rs256CertsUrl, es256CertsUrl: google.es256CertsUrl });
      });
      afterAll(() => google.close());

      async function gcrRequest(): Promise<WebhookRequest> {
        const token = await google.sign({ aud: AUDIENCE, email: EMAIL, email_verified: true });
        const data = Buffer.from(INNER).toString('base64');
        // The independently computed vector for this message.data (as in vectors.test.ts).
        expect(data).toBe('eyJhY3Rpb24iOiJJTlNFUlQiLCJkaWdlc3QiOiJ1cy1lYXN0MS1kb2NrZXIucGtnLmRldi9teS1wcm9qZWN0L215LXJlcG8vYXBwMUBzaGEyNTY6NmVjMTI4ZTI2Y2Q1Li4uIiwidGFnIjoidXMt'
          + 'ZWFzdDEtZG9ja2VyLnBrZy5kZXYvbXktcHJvamVjdC9teS1yZXBvL2FwcDE6djEuMi4zIn0=');
        const body = JSON.stringify({ message: { data, messageId: '4206943384', publishTime: '2026-11-20T19:13:55.749Z' }, subscription: 'projects/p/subscriptions/s' });
        return webhookRequest({ headers: { Authorization: `Bearer ${token}`, ...json }, body });
      }

      test('CEL filtering a GCR receiver', async () => {
        const request = await gcrRequest();
        const verdict = await expectVerdict('gcr', request, { secret: { token: 'token', email: EMAIL, audience: AUDIENCE }, verifiers: { google: verifier } }, true);
        expect(verdict.ok && verdict.payload.toString()).toBe(INNER);
        expect(annotated(verdict, request, "req.tag == 'us-east1-docker.pkg.dev/my-project/my-repo/app1:v1.2.3' && !has(req.message)", testResource)).toBe(1);
      });

      test("GCR receiver rejects secret missing 'email'", async () => {
        const verdict = await expectVerdict('gcr', await gcrRequest(), { secret: { token: 'token', audience: AUDIENCE }, verifiers: { google: verifier } }, false);
        expect(verdict).toMatchObject({ reason: "invalid secret data: required field 'email' for GCR receiver" });
      });

      test("GCR receiver rejects secret missing 'audience'", async () => {
        const verdict = await expectVerdict('gcr', await gcrRequest(), { secret: { token: 'token', email: EMAIL }, verifiers: { google: verifier } }, false);
        expect(verdict).toMatchObject({ reason: "invalid secret data: required field 'audience' for GCR receiver" });
      });
    });

    test('CEL filtering a Nexus receiver', async () => {
      const body = '{"action":"CREATED","repositoryName":"hello-world"}';
      const request = webhookRequest({ headers: { 'X-Nexus-Webhook-Signature': hmacHex('sha1', 'token', body), ...json }, body });
      const verdict = await expectVerdict('nexus', request, {}, true);
      expect(annotated(verdict, request, "req.repositoryName == 'hello-world'", testResource)).toBe(1);
    });

    test('CEL filtering an ACR receiver', async () => {
      const request = webhookRequest({ headers: json, body: '{"action":"push","target":{"repository":"hello-world","tag":"v1"}}' });
      const verdict = await expectVerdict('acr', request, {}, true);
      expect(annotated(verdict, request, "req.target.repository == 'hello-world'", testResource)).toBe(1);
    });

    test('handling errors when parsing the CEL expression results', async () => {
      const request = webhookRequest({ headers: json, body: PUSH });
      const verdict = await expectVerdict('generic', request, {}, true);
      expect(() => annotated(verdict, request, 'res.name == "test-resource"', testResource)).toThrow(/no such key/i);
    });
  });
});
