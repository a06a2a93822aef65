// The constructs' side of two server extensions: rate limits (server flags and the per-receiver
// annotation) and JSON answers. Synth-time checks name the construct path, the field, the value
// and the fix; what the constructs write is then served by the real server against the real apiserver.
import * as fs from 'fs';
import * as path from 'path';
import { Chart, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { parseAllDocuments } from 'yaml';
import { parseCommandLine } from '../../server/cli';
import { FluxReceivers, RateLimit, ReceiverProvider, ReconcileTarget, WebhookReceiver, WebhookReceiverProps } from '../../src';
import { createTestNamespace, ManifestObject } from '../harness/kube';
import { createGitRepositories, receiverPath, send, ServerFixture } from '../server/receiver-fixture';

type Manifest = ManifestObject & { spec?: any; data?: any };

function app(namespace: string, props: WebhookReceiverProps = {}) {
  const chart = new Chart(Testing.app(), 'chart', { namespace });
  const server = new WebhookReceiver(chart, 'receiver', props);
  const secret = kplus.Secret.fromSecretName(chart, 'token', 'webhook-token');
  return { chart, server, secret };
}

const args = (manifests: Manifest[]): string[] => manifests.find((m) => m.kind === 'Deployment')!.spec.template.spec.containers[0].args;
const receivers = (manifests: Manifest[]) => parseAllDocuments(manifests.find((m) => m.kind === 'ConfigMap')!.data['receivers.yaml']).map((d) => d.toJS());

describe('rate limits and JSON answers in the constructs', () => {
  test('unset: no extension flag and no annotation (the server\'s defaults apply)', () => {
    const { chart, server, secret } = app('flux-system');
    server.addReceiver('webapp', { provider: ReceiverProvider.github(), secret, targets: [ReconcileTarget.gitRepository('webapp')] });
    const manifests = Testing.synth(chart) as Manifest[];
    expect(args(manifests).filter((a) => /rate-limit|json-answers/.test(a))).toEqual([]);
    expect(receivers(manifests)[0].metadata).toEqual({ name: 'webapp', namespace: 'flux-system' });
  });

  test('props become server flags; a receiver\'s own limit becomes its annotation', () => {
    const { chart, server, secret } = app('flux-system', { rateLimit: RateLimit.perMinute(600, 50), genericRateLimit: RateLimit.unlimited(), jsonAnswers: true });
    server.addReceiver('webapp', { provider: ReceiverProvider.generic(), secret, targets: [ReconcileTarget.gitRepository('webapp')], rateLimit: RateLimit.perSecond(0.5) });
    const manifests = Testing.synth(chart) as Manifest[];
    expect(args(manifests).slice(-5)).toEqual(['--rate-limit', '600/m,burst=50', '--generic-rate-limit', 'off', '--json-answers']);
    expect(receivers(manifests)[0].metadata).toEqual({ name: 'webapp', namespace: 'flux-system', annotations: { 'cdk8s-flux-webhooks.io/rate-limit': '0.5/s' } });
  });

  test.each([
    [{ rateLimit: RateLimit.perSecond(0) }, 'WebhookReceiver chart/receiver: rateLimit "0/s": the request count 0 must be a number above 0 and at most 1000000: use e.g. RateLimit.perSecond(20, 200), or RateLimit.unlimited() for no limit'],
    [{ genericRateLimit: RateLimit.perHour(10, 2.5) }, 'WebhookReceiver chart/receiver: genericRateLimit "10/h,burst=2.5": burst 2.5 must be a whole number from 1 to 1000000: use e.g. RateLimit.perSecond(20, 200), or RateLimit.unlimited() for no limit'],
    [{ rateLimit: RateLimit.perSecond(1e-7) }, 'WebhookReceiver chart/receiver: rateLimit "1e-7/s" is not a rate limit: use "<requests>/<s|m|h>[,burst=<n>]" (e.g. "20/s,burst=200") or "off": use e.g. RateLimit.perSecond(20, 200), or RateLimit.unlimited() for no limit'],
    [{ rateLimit: '20/s' as unknown as RateLimit }, 'WebhookReceiver chart/receiver: rateLimit "20/s" is not a RateLimit: use e.g. RateLimit.perSecond(20, 200)'],
  ])('bad server-wide limit %#', (props, message) => {
    expect(() => app('flux-system', props)).toThrow(message);
  });

  test('a bad receiver limit names the construct path and the receiver; FluxReceivers refuses any', () => {
    const { server, secret, chart } = app('flux-system');
    expect(() => server.addReceiver('webapp', { provider: ReceiverProvider.github(), secret, targets: [ReconcileTarget.gitRepository('webapp')], rateLimit: RateLimit.perMinute(-5) }))
      .toThrow('WebhookReceiver chart/receiver: receiver "webapp" rateLimit "-5/m": the request count -5 must be a number above 0 and at most 1000000: use e.g. RateLimit.perSecond(20, 200), or RateLimit.unlimited() for no limit');
    const flux = new FluxReceivers(chart, 'flux');
    expect(() => flux.addReceiver('webapp', { provider: ReceiverProvider.github(), secret, targets: [ReconcileTarget.gitRepository('webapp')], rateLimit: RateLimit.perSecond(5) }))
      .toThrow('FluxReceivers chart/flux: receiver "webapp" rateLimit "5/s" is an extension of the bundled server; notification-controller has no rate limit: remove rateLimit, or serve the receiver with WebhookReceiver');
  });
});

describe('what the constructs write, served (real apiserver)', () => {
  let ns: string;
  let fixture: ServerFixture;
  const TOKEN = 'construct-limit-token';

  beforeAll(async () => {
    ns = await createTestNamespace('cr-limit');
    await createGitRepositories(ns, [{ name: 'webapp' }, { name: 'hot' }]);
    const { chart, server, secret } = app(ns, { genericRateLimit: RateLimit.perHour(2, 2), jsonAnswers: true });
    server.addReceiver('webapp', { provider: ReceiverProvider.generic(), secret, targets: [ReconcileTarget.gitRepository('webapp')] });
    server.addReceiver('hot', { provider: ReceiverProvider.generic(), secret, targets: [ReconcileTarget.gitRepository('hot')], rateLimit: RateLimit.perHour(1) });
    const manifests = Testing.synth(chart) as Manifest[];
    // The server's own command line parser reads the container args.
    const cmd = parseCommandLine(args(manifests), {});
    if (cmd.kind !== 'serve') throw new Error(`not a serve command: ${cmd.kind}`);
    const { rateLimit, genericRateLimit, jsonAnswers } = cmd.options;
    fixture = await ServerFixture.start({ defaultNamespace: ns, rateLimits: { signed: rateLimit, generic: genericRateLimit }, jsonAnswers });
    fixture.writeSecret('webhook-token', { token: TOKEN });
    fs.writeFileSync(path.join(fixture.receiversDir, 'receivers.yaml'), manifests.find((m) => m.kind === 'ConfigMap')!.data['receivers.yaml']);
    await fixture.listen();
    await fixture.ready();
  });

  afterAll(async () => {
    await fixture?.stop();
  });

  test('the server-wide generic limit and the receiver\'s annotation hold; answers are JSON; limited deliveries patch nothing', async () => {
    const webapp = fixture.url(receiverPath(TOKEN, 'webapp', ns));
    const hot = fixture.url(receiverPath(TOKEN, 'hot', ns));
    expect([(await send(webapp)).status, (await send(webapp)).status, (await send(webapp)).status]).toEqual([200, 200, 429]);
    const first = await send(hot);
    expect(JSON.parse(first.body)).toMatchObject({ receiver: { namespace: ns, name: 'hot', type: 'generic' }, status: 200, outcome: 'triggered' });
    const limited = await send(hot);
    expect([limited.status, limited.headers['retry-after']]).toEqual([429, '3600']);
    expect(JSON.parse(limited.body)).toMatchObject({ status: 429, outcome: 'rate_limited', retryAfterSeconds: 3600 });
    expect(fixture.patcher.calls.map((c) => c.name).sort()).toEqual(['hot', 'webapp', 'webapp']);
  });
});
