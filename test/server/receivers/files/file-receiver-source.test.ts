// Files mode loading on its own (no server): formats, multi-document files, directories, the
// problems reported for bad documents, Secrets as mounted files, the safety-net poll.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { stringify } from 'yaml';
import { createLogger } from '../../../../server/observability/logger';
import { FileReceiverSource, loadReceiverFiles, loadReceiverFilesInSlices, RACY_WINDOW_MS, receiverFilesSignature } from '../../../../server/receivers/files/file-receiver-source';
import * as receiverFiles from '../../../../server/receivers/files/receiver-files';
import { ExposeViaLoadBalancer, FluxReceivers, GitRepository, ReceiverProvider, ReconcileTarget, WebhookReceiver } from '../../../../src';
import { hookPath } from '../../../../src/model';
import { eventually } from '../../../harness/eventually';
import { projectAtomically } from '../../../harness/projected-volume';

/** A generic Receiver using the Secret `tok`. */
const doc = (name: string, extra = '') => `apiVersion: notification.toolkit.fluxcd.io/v1
kind: Receiver
metadata:
  name: ${name}
spec:
  type: generic
  secretRef:
    name: tok
  resources:
    - kind: GitRepository
      name: app
${extra}`;

describe('loadReceiverFiles', () => {
  let dir: string;
  let receivers: string;
  let secrets: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'file-receivers-'));
    receivers = path.join(dir, 'receivers');
    secrets = path.join(dir, 'secrets');
    fs.mkdirSync(receivers);
    fs.mkdirSync(path.join(secrets, 'tok'), { recursive: true });
    fs.writeFileSync(path.join(secrets, 'tok', 'token'), 'abc\n');
  });

  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('reads YAML (multi-document, empty documents skipped) and JSON; ignores other and hidden files', () => {
    fs.writeFileSync(path.join(receivers, 'a.yaml'), `${doc('one')}---\n---\n${doc('two')}`);
    fs.writeFileSync(path.join(receivers, 'b.json'), JSON.stringify({
      apiVersion: 'notification.toolkit.fluxcd.io/v1',
      kind: 'Receiver',
      metadata: { name: 'three', namespace: 'other' },
      spec: { type: 'generic', secretRef: { name: 'tok' }, resources: [] },
    }));
    fs.writeFileSync(path.join(receivers, 'notes.txt'), 'not a definition');
    fs.writeFileSync(path.join(receivers, '.hidden.yaml'), doc('hidden'));
    const result = loadReceiverFiles({ receivers, secretsDir: secrets, defaultNamespace: 'flux-system' });
    expect(result.problems).toEqual([]);
    expect(result.receivers.map((r) => [r.key, r.origin, r.ready])).toEqual([
      ['flux-system/one', `${path.join(receivers, 'a.yaml')}#1`, true],
      ['flux-system/two', `${path.join(receivers, 'a.yaml')}#3`, true],
      ['other/three', `${path.join(receivers, 'b.json')}#1`, true],
    ]);
    // The token's trailing newline is part of the hash.
    expect(result.receivers[0].webhookPath).toBe(hookPath('abc\n', 'one', 'flux-system'));
    expect(result.receivers[0].secret?.token?.toString()).toBe('abc\n');
  });

  test('a single file works too', () => {
    const file = path.join(dir, 'single.yml');
    fs.writeFileSync(file, doc('solo'));
    expect(loadReceiverFiles({ receivers: file, secretsDir: secrets, defaultNamespace: 'ns' }).receivers.map((r) => r.key)).toEqual(['ns/solo']);
  });

  test('bad documents are reported with origin, object and field; good ones are kept', () => {
    const file = path.join(receivers, 'mixed.yaml');
    fs.writeFileSync(file, [
      doc('good'),
      'apiVersion: notification.toolkit.fluxcd.io/v1beta1\nkind: Alert\nmetadata: {name: cm}\n',
      doc('Bad_Name'),
      doc('typo', '  interval: 5 minutes\n'),
      doc('good'),
      'key: [unclosed\n',
    ].join('---\n'));
    const result = loadReceiverFiles({ receivers, secretsDir: secrets, defaultNamespace: 'ns' });
    expect(result.receivers.map((r) => [r.key, r.ready])).toEqual([['ns/good', true], ['ns/typo', false]]);
    expect(result.receivers[1].notReadyReason).toContain('spec.interval');
    expect(result.problems).toEqual([
      { origin: `${file}#2`, object: 'document 2', field: 'kind', message: expect.stringContaining('"Alert" "notification.toolkit.fluxcd.io/v1beta1" is not a Receiver') },
      { origin: `${file}#3`, object: 'document 3', field: 'metadata.name', message: expect.stringContaining('"Bad_Name" is not a valid name') },
      { origin: `${file}#4`, object: 'ns/typo', field: 'spec.interval', message: expect.stringContaining('"5 minutes" must match pattern') },
      { origin: `${file}#5`, object: 'ns/good', field: 'metadata.name', message: expect.stringContaining(`duplicate Receiver ns/good (first defined in ${file}#1)`) },
      { origin: `${file}#6`, object: 'document 6', message: expect.stringContaining('cannot parse') },
    ]);
  });

  test('a synthesized app (dist/): Receivers from the WebhookReceiver ConfigMap and FluxReceivers, other objects skipped and counted', () => {
    const chart = new Chart(new App(), 'webhooks', { namespace: 'team-a' });
    const repo = new GitRepository(chart, 'webapp', { url: 'https://github.com/org/webapp' });
    const secret = kplus.Secret.fromSecretName(chart, 'token', 'tok');
    const bundled = new WebhookReceiver(chart, 'receiver');
    bundled.addReceiver('webapp', { provider: ReceiverProvider.github(), secret, targets: [ReconcileTarget.fromApiObject(repo)] });
    new ExposeViaLoadBalancer(chart, 'public', { receiver: bundled });
    new FluxReceivers(chart, 'flux').addReceiver('flux-native', { provider: ReceiverProvider.gitlab(), secret, targets: [ReconcileTarget.fromApiObject(repo)] });
    const manifests = Testing.synth(chart);
    const file = path.join(receivers, 'webhooks.k8s.yaml');
    fs.writeFileSync(file, manifests.map((m) => stringify(m)).join('---\n'));
    const configMapIndex = manifests.findIndex((m) => m.kind === 'ConfigMap') + 1;
    const receiverIndex = manifests.findIndex((m) => m.kind === 'Receiver') + 1;

    const result = loadReceiverFiles({ receivers, secretsDir: secrets, defaultNamespace: 'default' });
    expect(result.problems).toEqual([]);
    expect(result.receivers.map((r) => [r.key, r.origin, r.ready])).toEqual([
      ['team-a/webapp', `${file}#${configMapIndex}/receivers.yaml#1`, true],
      ['team-a/flux-native', `${file}#${receiverIndex}`, true],
    ].sort((a, b) => String(a[1]).localeCompare(String(b[1]), 'en', { numeric: true })));
    expect(result.receivers.find((r) => r.key === 'team-a/webapp')!.webhookPath).toBe(hookPath('abc\n', 'webapp', 'team-a'));
    const expectedSkipped: Record<string, number> = {};
    for (const m of manifests.filter((x) => x.kind !== 'Receiver' && x.kind !== 'ConfigMap')) expectedSkipped[m.kind] = (expectedSkipped[m.kind] ?? 0) + 1;
    expect(result.skipped).toEqual(expectedSkipped);
    expect(result.skipped).toMatchObject({ Deployment: 1, GitRepository: 1 });
  });

  test('Secrets read through the API stand in for a secrets directory', () => {
    fs.writeFileSync(path.join(receivers, 'r.yaml'), `${doc('one')}---\n${doc('two').replace('name: tok', 'name: gone')}`);
    const fetchedSecrets = new Map([
      ['ns/tok', { data: { token: Buffer.from('from-api') } }],
      ['ns/gone', { error: "unable to read token from secret 'ns/gone': it does not exist" }],
    ]);
    const result = loadReceiverFiles({ receivers, defaultNamespace: 'ns', fetchedSecrets });
    expect(result.receivers.map((r) => [r.key, r.ready, r.webhookPath, r.notReadyReason])).toEqual([
      ['ns/one', true, hookPath('from-api', 'one', 'ns'), undefined],
      ['ns/two', false, undefined, "TokenNotFound: unable to read token from secret 'ns/gone': it does not exist"],
    ]);
  });

  test('a missing Secret or token key: not ready, path unknown unless it was served before', () => {
    fs.writeFileSync(path.join(receivers, 'r.yaml'), doc('app'));
    fs.rmSync(path.join(secrets, 'tok', 'token'));
    const first = loadReceiverFiles({ receivers, secretsDir: secrets, defaultNamespace: 'ns' });
    expect(first.receivers[0]).toMatchObject({ ready: false, webhookPath: undefined, notReadyReason: expect.stringContaining("TokenNotFound: invalid 'ns/tok' secret data: required fields 'token'") });
    const known = new Map([['ns/app', '/hook/previous']]);
    fs.rmSync(path.join(secrets, 'tok'), { recursive: true });
    const later = loadReceiverFiles({ receivers, secretsDir: secrets, defaultNamespace: 'ns' }, known);
    expect(later.receivers[0]).toMatchObject({ ready: false, webhookPath: '/hook/previous', notReadyReason: expect.stringContaining('TokenNotFound') });
  });

  test('generic-oidc needs no Secret: its path is salted with the empty token', () => {
    fs.writeFileSync(path.join(receivers, 'oidc.yaml'), `apiVersion: notification.toolkit.fluxcd.io/v1
kind: Receiver
metadata: {name: my-receiver, namespace: default}
spec:
  type: generic-oidc
  oidcProviders:
    - issuerURL: https://token.actions.githubusercontent.com
      validations:
        - expression: claims.repository == 'org/repo'
          message: wrong repo
  resources: []
`);
    const [r] = loadReceiverFiles({ receivers, defaultNamespace: 'x' }).receivers;
    expect(r).toMatchObject({ ready: true, webhookPath: '/hook/83579a735892e34a07366333c25cb279278d29531730c414ea9870a01885f586' });
  });
});

describe('Secrets read by name through the API', () => {
  let dir: string;
  let receivers: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'file-receivers-api-'));
    receivers = path.join(dir, 'receivers.yaml');
    fs.writeFileSync(receivers, `${doc('one')}---\n${doc('two')}---\n${doc('three').replace('name: tok', 'name: gone')}`);
  });

  afterEach(() => {
    jest.restoreAllMocks();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('each load reads the definitions once and each named Secret once, again only when the refresh is due', async () => {
    const secrets = new Map([['ns/tok', { token: Buffer.from('first') }]]);
    const reads: string[] = [];
    const readSecret = async (namespace: string, name: string) => {
      reads.push(`${namespace}/${name}`);
      return secrets.get(`${namespace}/${name}`);
    };
    const parse = jest.spyOn(receiverFiles, 'definitionDocuments');
    const source = new FileReceiverSource({
      receivers,
      defaultNamespace: 'ns',
      log: createLogger('error', () => undefined),
      readSecret,
      secretsRefreshMs: 60_000,
      debounceMs: 60_000,
      pollMs: 60_000,
    });
    const served: [string, string | undefined, string | undefined][][] = [];
    await source.start((set) => served.push(set.map((r) => [r.key, r.webhookPath, r.notReadyReason])));
    try {
      expect(parse).toHaveBeenCalledTimes(1);
      expect(reads.sort()).toEqual(['ns/gone', 'ns/tok']);
      expect(served).toEqual([[
        ['ns/one', hookPath('first', 'one', 'ns'), undefined],
        ['ns/two', hookPath('first', 'two', 'ns'), undefined],
        ['ns/three', undefined, "TokenNotFound: unable to read token from secret 'ns/gone': it does not exist"],
      ]]);

      // Within the refresh interval: the definitions again, the Secrets as read before.
      secrets.set('ns/tok', { token: Buffer.from('second') });
      await source.reload();
      expect(parse).toHaveBeenCalledTimes(2);
      expect(reads).toHaveLength(2);
      expect(served).toHaveLength(1);

      // A minute later the refresh is due: every named Secret read once more, the new token served.
      const now = Date.now();
      jest.spyOn(Date, 'now').mockReturnValue(now + 60_000);
      await source.reload();
      expect(parse).toHaveBeenCalledTimes(3);
      expect(reads.slice(2).sort()).toEqual(['ns/gone', 'ns/tok']);
      expect(served.map((set) => set[0][1])).toEqual([hookPath('first', 'one', 'ns'), hookPath('second', 'one', 'ns')]);
    } finally {
      await source.stop();
    }
  });
});

describe('the safety-net poll', () => {
  let dir: string;
  let options: { receivers: string; secretsDir: string };

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'file-receivers-poll-'));
    options = { receivers: path.join(dir, 'receivers'), secretsDir: path.join(dir, 'secrets') };
    fs.mkdirSync(options.receivers);
    fs.writeFileSync(path.join(options.receivers, 'a.yaml'), doc('aaa'));
    projectAtomically(path.join(options.secretsDir, 'tok'), { token: 'first' }, 1);
  });

  afterEach(() => {
    jest.restoreAllMocks();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  // Checked as if a while later: a file changed within the racy window gives no signature.
  const later = () => receiverFilesSignature(options, Date.now() + RACY_WINDOW_MS + 1000);

  test('the signature stays the same while nothing changes, and changes with anything a load reads', () => {
    const before = later();
    expect(before).toEqual(expect.any(String));
    expect(later()).toBe(before);
    const changes: [string, () => void][] = [
      // Same size, so only the file's times tell.
      ['a definition rewritten', () => fs.writeFileSync(path.join(options.receivers, 'a.yaml'), doc('bbb'))],
      ['a definition file added', () => fs.writeFileSync(path.join(options.receivers, 'b.yaml'), doc('ccc'))],
      ['a Secret swapped the way the kubelet does', () => projectAtomically(path.join(options.secretsDir, 'tok'), { token: 'other' }, 2)],
      ['a Secret key added', () => fs.writeFileSync(path.join(options.secretsDir, 'tok', 'token.next'), 'next')],
      ['a Secret removed', () => fs.rmSync(path.join(options.secretsDir, 'tok'), { recursive: true })],
    ];
    let previous = before;
    for (const [what, change] of changes) {
      change();
      const now = later();
      expect({ what, changed: now !== previous }).toEqual({ what, changed: true });
      previous = now;
    }
  });

  test('no signature while a file changed within the racy window', () => {
    expect(receiverFilesSignature(options)).toBeUndefined();
    expect(later()).toEqual(expect.any(String));
  });

  test('an unchanged tree is not parsed again; a change the watch missed is loaded by the next poll', async () => {
    // Past the racy window, so the first load's signature is trusted.
    await new Promise((resolve) => setTimeout(resolve, RACY_WINDOW_MS + 100));
    const parse = jest.spyOn(receiverFiles, 'definitionDocuments');
    // Each poll lists the definition files for its signature: the count of polls so far.
    const listed = jest.spyOn(receiverFiles, 'definitionFiles');
    const log = createLogger('error', () => undefined);
    const source = new FileReceiverSource({ ...options, defaultNamespace: 'ns', log, pollMs: 20, debounceMs: 60_000 });
    const paths: (string | undefined)[] = [];
    await source.start((served) => paths.push(served[0]?.webhookPath));
    try {
      expect(parse).toHaveBeenCalledTimes(1);
      const before = listed.mock.calls.length;
      await eventually('five polls', async () => (listed.mock.calls.length >= before + 5 ? true : undefined));
      expect(parse).toHaveBeenCalledTimes(1);
      // The watch only schedules a reload a minute later (debounceMs): the poll has to find it.
      projectAtomically(path.join(options.secretsDir, 'tok'), { token: 'second' }, 2);
      await eventually('the second path', async () => (paths.length >= 2 ? true : undefined));
      expect(paths).toEqual([hookPath('first', 'aaa', 'ns'), hookPath('second', 'aaa', 'ns')]);
    } finally {
      await source.stop();
    }
  });
});

describe('watching a single definitions file', () => {
  let dir: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'file-receivers-single-'));
  });

  afterEach(() => {
    jest.restoreAllMocks();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('other files changing beside it cause no reload; the kubelet swapping it does', async () => {
    const config = path.join(dir, 'config');
    const secrets = path.join(dir, 'secrets');
    projectAtomically(config, { 'receivers.yaml': doc('first') }, 1);
    projectAtomically(path.join(secrets, 'tok'), { token: 't' }, 1);
    const parse = jest.spyOn(receiverFiles, 'definitionDocuments');
    // The changes the watch found relevant, each one logged as it schedules a reload.
    const relevant: string[] = [];
    const log = createLogger('debug', (line) => {
      const entry = JSON.parse(line);
      if (entry.msg === 'receiver files changed; reloading' && entry.dir === config) relevant.push(entry.file);
    });
    const source = new FileReceiverSource({
      receivers: path.join(config, 'receivers.yaml'),
      secretsDir: secrets,
      defaultNamespace: 'ns',
      log,
      debounceMs: 20,
      pollMs: 60_000,
    });
    const names: string[] = [];
    await source.start((served) => names.push(served.map((r) => r.key).join(',')));
    try {
      expect(parse).toHaveBeenCalledTimes(1);
      for (let i = 0; i < 5; i++) fs.writeFileSync(path.join(config, `other-${i}.log`), `line ${i}\n`);
      // One watch reports both in order: once the swap is served, the other files were seen first.
      projectAtomically(config, { 'receivers.yaml': doc('second') }, 2);
      await eventually('the swapped definitions served', async () => (names.length >= 2 ? true : undefined));
      expect(names).toEqual(['ns/first', 'ns/second']);
      expect(parse).toHaveBeenCalledTimes(2);
      expect(relevant.length).toBeGreaterThan(0);
      expect(relevant.filter((file) => !file.startsWith('..'))).toEqual([]);
    } finally {
      await source.stop();
    }
  });
});

describe('loading many definitions', () => {
  let dir: string;
  let file: string;
  let secrets: string;
  const options = () => ({ receivers: file, secretsDir: secrets, defaultNamespace: 'ns' });
  const filtered = (i: number) => doc(`r${i}`, `  resourceFilter: "req.ref.matches('^refs/heads/(main|release-${i})$')"\n`);

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'file-receivers-many-'));
    file = path.join(dir, 'receivers.yaml');
    secrets = path.join(dir, 'secrets');
    fs.mkdirSync(path.join(secrets, 'tok'), { recursive: true });
    fs.writeFileSync(path.join(secrets, 'tok', 'token'), 't');
    fs.writeFileSync(file, Array.from({ length: 800 }, (_, i) => filtered(i)).join('---\n'));
  });

  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('a load in slices lets other work run between documents and ends with what one load in one go finds', async () => {
    let turns = 0;
    let running = true;
    const other = (): void => {
      turns++;
      if (running) setImmediate(other);
    };
    setImmediate(other);
    // A 1 ms slice: the event loop gets a turn every millisecond of loading or so.
    const sliced = await loadReceiverFilesInSlices(options(), new Map(), 1);
    running = false;
    const whole = loadReceiverFiles(options());
    expect(sliced.receivers.map((r) => [r.key, r.webhookPath, r.ready])).toEqual(whole.receivers.map((r) => [r.key, r.webhookPath, r.ready]));
    expect(sliced.receivers).toHaveLength(800);
    // 800 documents parsed and compiled take far more than a few milliseconds.
    expect(turns).toBeGreaterThan(20);
  });

  test('the set in service is replaced only when a load is complete, once; reloads asked for during a load run once after it', async () => {
    const sets: number[] = [];
    const source = new FileReceiverSource({ ...options(), log: createLogger('error', () => undefined), debounceMs: 60_000, pollMs: 60_000, sliceMs: 1 });
    await source.start((served) => sets.push(served.length));
    try {
      expect(sets).toEqual([800]);
      const loads = jest.spyOn(receiverFiles, 'definitionDocuments');
      fs.writeFileSync(file, Array.from({ length: 900 }, (_, i) => filtered(i)).join('---\n'));
      const first = source.reload();
      // Asked for while the first load runs: they are served by one more load after it.
      await new Promise((resolve) => setImmediate(resolve));
      void source.reload();
      void source.reload();
      await first;
      expect(sets).toEqual([800, 900]);
      expect(loads).toHaveBeenCalledTimes(2);
    } finally {
      await source.stop();
      jest.restoreAllMocks();
    }
  });
});
