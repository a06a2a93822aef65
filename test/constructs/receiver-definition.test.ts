import { execFileSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Chart, Duration, JsonPatch, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { GitRepository, ReceiverDefinition, ReceiverProvider, ReconcileTarget } from '../../src';

const oidc = () => ReceiverProvider.genericOidc({
  issuers: [{ issuerUrl: 'https://token.actions.githubusercontent.com', validations: [{ expression: 'true', message: 'm' }] }],
});

describe('ReceiverDefinition', () => {
  const chart = () => Testing.chart();
  const secret = (c: Chart, name = 'webhook-token') => kplus.Secret.fromSecretName(c, name, name);
  const targets = [ReconcileTarget.gitRepository('webapp')];

  test('renders the Flux Receiver manifest', () => {
    const def = new ReceiverDefinition({
      name: 'webapp',
      namespace: 'flux-system',
      provider: ReceiverProvider.gitlab({ events: ['Push Hook'] }),
      secret: secret(chart()),
      targets,
      interval: Duration.seconds(90),
      suspend: false,
    });
    expect(def._toManifest()).toEqual({
      apiVersion: 'notification.toolkit.fluxcd.io/v1',
      kind: 'Receiver',
      metadata: { name: 'webapp', namespace: 'flux-system' },
      spec: {
        type: 'gitlab',
        interval: '90s',
        events: ['Push Hook'],
        secretRef: { name: 'webhook-token' },
        resources: [{ apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'GitRepository', name: 'webapp' }],
      },
    });
    expect([def.name, def.namespace, def.secretName, def.suspend, def.interval]).toEqual(['webapp', 'flux-system', 'webhook-token', false, '90s']);
  });

  test('intervals use the largest whole Flux unit', () => {
    const interval = (d: Duration) => new ReceiverDefinition({ name: 'a', namespace: 'n', provider: oidc(), targets, interval: d }).interval;
    expect([interval(Duration.hours(2)), interval(Duration.minutes(90)), interval(Duration.seconds(45)), interval(Duration.millis(1500))])
      .toEqual(['2h', '90m', '45s', '1500ms']);
  });

  test('generic-oidc has a public webhook path; token receivers have none', () => {
    const open = new ReceiverDefinition({ name: 'my-receiver', namespace: 'default', provider: oidc(), targets });
    expect(open.webhookPath).toBe('/hook/83579a735892e34a07366333c25cb279278d29531730c414ea9870a01885f586');
    expect(open.webhookPathCommand).toBe('echo /hook/83579a735892e34a07366333c25cb279278d29531730c414ea9870a01885f586');
    const closed = new ReceiverDefinition({ name: 'my-receiver', namespace: 'default', provider: ReceiverProvider.generic(), secret: secret(chart()), targets });
    expect(closed.webhookPath).toBeUndefined();
  });

  describe('webhookPathCommand', () => {
    // kubectl is the only thing replaced: it prints the decoded data.token as `-o go-template` with base64decode does.
    const fakeKubectl = (token: string) =>
      `kubectl() { [ "$*" = "-n flux-system get secret webhook-token -o go-template={{.data.token | base64decode}}" ] && printf '%s' '${Buffer.from(token).toString('base64')}' | base64 -d; }`;
    const def = () => new ReceiverDefinition({ name: 'webapp', namespace: 'flux-system', provider: ReceiverProvider.github(), secret: secret(chart()), targets });
    const expected = (token: string) => `/hook/${createHash('sha256').update(`${token}webappflux-system`).digest('hex')}`;

    /** A PATH with only these tools (bash builtins aside), like a machine that lacks the others. */
    function onlyTools(tools: string[]): string {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tools-'));
      for (const tool of [...tools, 'base64', 'cut']) fs.symlinkSync(execFileSync('bash', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim(), path.join(dir, tool));
      return dir;
    }

    test.each([
      ['sha256sum (Linux)', ['sha256sum']],
      ['shasum only (macOS)', ['shasum']],
    ])('computes the Flux path from the Secret bytes, trailing newline included, with %s', (_label, tools) => {
      const dir = onlyTools(tools);
      try {
        for (const token of ['my-token', 'token-with-newline\n']) {
          const out = execFileSync('/bin/bash', ['-c', `${fakeKubectl(token)}; ${def().webhookPathCommand}`], { encoding: 'utf8', env: { PATH: dir } }).trim();
          expect(out).toBe(expected(token));
        }
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('validation', () => {
    test('secret given to generic-oidc', () => {
      expect(() => new ReceiverDefinition({ name: 'a', namespace: 'n', provider: oidc(), secret: secret(chart(), 'oidc-token'), targets }))
        .toThrow(/secret "oidc-token" cannot be given to a generic-oidc receiver/);
    });

    test('missing secret otherwise, with the gcr keys in the hint', () => {
      expect(() => new ReceiverDefinition({ name: 'a', namespace: 'n', provider: ReceiverProvider.github(), targets }))
        .toThrow(/receiver "a": github receivers need a secret with a 'token' key/);
      expect(() => new ReceiverDefinition({ name: 'a', namespace: 'n', provider: ReceiverProvider.gcr(), targets }))
        .toThrow(/gcr receivers need a secret with a 'token' key \(and 'email', 'audience'\)/);
    });

    test('a Secret defined in another namespace', () => {
      const c = new Chart(Testing.app(), 'c', { namespace: 'apps' });
      const s = new kplus.Secret(c, 'token', { metadata: { name: 'apps-token' } });
      expect(() => new ReceiverDefinition({ name: 'a', namespace: 'flux-system', provider: ReceiverProvider.generic(), secret: s, targets }))
        .toThrow(/secret "apps-token" is in namespace "apps", but a receiver can only read Secrets in its own namespace "flux-system"/);
    });

    test('no targets, or not a ReconcileTarget', () => {
      expect(() => new ReceiverDefinition({ name: 'a', namespace: 'n', provider: oidc(), targets: [] })).toThrow(/receiver "a": targets \[\] is empty/);
      expect(() => new ReceiverDefinition({ name: 'a', namespace: 'n', provider: oidc(), targets: [{ kind: 'GitRepository' } as any] }))
        .toThrow(/targets\[0\] \{"kind":"GitRepository"\} is not a ReconcileTarget/);
    });

    test('bad name, namespace, provider, filter, interval', () => {
      expect(() => new ReceiverDefinition({ name: 'Web App', namespace: 'n', provider: oidc(), targets })).toThrow(/receiver name "Web App" is not a valid Kubernetes object name/);
      expect(() => new ReceiverDefinition({ name: 'a', namespace: 'n_s', provider: oidc(), targets })).toThrow(/namespace "n_s" is not a valid namespace name/);
      expect(() => new ReceiverDefinition({ name: 'a', namespace: 'n', provider: 'github' as any, targets })).toThrow(/provider "github" is not a ReceiverProvider/);
      expect(() => new ReceiverDefinition({ name: 'a', namespace: 'n', provider: oidc(), targets, resourceFilter: '' })).toThrow(/resourceFilter "" is empty/);
      expect(() => new ReceiverDefinition({ name: 'a', namespace: 'n', provider: oidc(), targets, interval: Duration.millis(0.5) })).toThrow(/interval must be a positive whole number of milliseconds, got 0.5ms/);
    });
  });
});

describe('a receiver Secret defined in the app is checked at synth time for the keys the receiver reads', () => {
  const targets = [ReconcileTarget.gitRepository('webapp')];

  test('gcr without email and audience', () => {
    const chart = Testing.chart();
    const secret = new kplus.Secret(chart, 'gcr-token', { metadata: { name: 'gcr-token', namespace: 'default' }, stringData: { token: 't' } });
    new ReceiverDefinition({ name: 'registry', namespace: 'default', provider: ReceiverProvider.gcr(), secret, targets });
    expect(() => Testing.synth(chart)).toThrow(
      '[test/gcr-token] Secret "gcr-token" of gcr receiver "registry" lacks the keys "email", "audience" (it has "token"), so the receiver could not verify any webhook: '
      + 'add addStringData("email", …) and addStringData("audience", …) (email: the push subscription\'s service account; audience: its OIDC audience), '
      + 'or reference a Secret managed elsewhere with kplus.Secret.fromSecretName()');
  });

  test('keys added after the receiver count, from stringData or data', () => {
    const chart = Testing.chart();
    const secret = new kplus.Secret(chart, 'gcr-token', { metadata: { name: 'gcr-token', namespace: 'default' } });
    new ReceiverDefinition({ name: 'registry', namespace: 'default', provider: ReceiverProvider.gcr(), secret, targets });
    secret.addStringData('token', 't');
    secret.addStringData('email', 'pubsub@project.iam.gserviceaccount.com');
    expect(() => Testing.synth(chart)).toThrow(/lacks the key "audience" \(it has "email", "token"\)/);
    (secret.node.defaultChild as any).addJsonPatch(JsonPatch.add('/data', { audience: Buffer.from('https://hooks.example.com').toString('base64') }));
    expect(Testing.synth(chart).map((o) => o.kind)).toEqual(['Secret']);
  });

  test('any provider needs token; a Secret referenced by name is not checked', () => {
    const chart = Testing.chart();
    const empty = new kplus.Secret(chart, 'empty', { metadata: { name: 'empty', namespace: 'default' } });
    new ReceiverDefinition({ name: 'webapp', namespace: 'default', provider: ReceiverProvider.github(), secret: empty, targets });
    expect(() => Testing.synth(chart)).toThrow(/Secret "empty" of github receiver "webapp" lacks the key "token" \(it has none\)/);
    const other = Testing.chart();
    new ReceiverDefinition({ name: 'registry', namespace: 'default', provider: ReceiverProvider.gcr(), secret: kplus.Secret.fromSecretName(other, 's', 's'), targets });
    expect(() => Testing.synth(other)).not.toThrow();
  });
});

describe('objects of a chart without a namespace would land elsewhere than the receiver', () => {
  test('a target made from an in-app object without a namespace', () => {
    const chart = new Chart(Testing.app(), 'webhooks');
    const repo = new GitRepository(chart, 'webapp', { url: 'https://github.com/org/webapp', metadata: { name: 'webapp' } });
    expect(() => new ReceiverDefinition({
      name: 'webapp', namespace: 'flux-system', provider: ReceiverProvider.github(), secret: kplus.Secret.fromSecretName(chart, 't', 't'), targets: [ReconcileTarget.fromApiObject(repo)],
    })).toThrow('receiver "webapp": targets[0] GitRepository "webapp" (webhooks/webapp/Resource) has no namespace, because neither it nor its chart names one, '
      + 'so kubectl would apply it to its current namespace, while the receiver looks for it in "flux-system": '
      + 'give the chart a namespace (new Chart(app, id, { namespace: "flux-system" })) or set the object\'s metadata.namespace');
  });

  test('an in-app Secret without a namespace', () => {
    const chart = new Chart(Testing.app(), 'webhooks');
    const secret = new kplus.Secret(chart, 'token', { metadata: { name: 'webhook-token' }, stringData: { token: 't' } });
    expect(() => new ReceiverDefinition({ name: 'webapp', namespace: 'flux-system', provider: ReceiverProvider.github(), secret, targets: [ReconcileTarget.gitRepository('webapp')] }))
      .toThrow(/receiver "webapp": secret "webhook-token" \(webhooks\/token\) has no namespace, because neither it nor its chart names one.*looks for it in "flux-system"/);
  });

  test('with the chart\'s namespace (or an explicit one) both are fine', () => {
    const chart = new Chart(Testing.app(), 'webhooks', { namespace: 'flux-system' });
    const repo = new GitRepository(chart, 'webapp', { url: 'https://github.com/org/webapp' });
    const secret = new kplus.Secret(chart, 'token', { stringData: { token: 't' } });
    const def = new ReceiverDefinition({ name: 'webapp', namespace: 'flux-system', provider: ReceiverProvider.github(), secret, targets: [ReconcileTarget.fromApiObject(repo)] });
    expect(def.targets[0].namespace).toBe('flux-system');
  });
});
