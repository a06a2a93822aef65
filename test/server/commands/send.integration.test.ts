// `flux-webhook-receiver send` against the real receiver server (files mode) and the real
// apiserver: a delivery of every type reaches its receiver and reconciles the target; each
// failure is explained; nothing secret is printed.
import { execFileSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import * as https from 'https';
import * as net from 'net';
import * as path from 'path';
import { runCommand } from './_command-io';
import { UsageError } from '../../../server/commands';
import { runSend } from '../../../server/commands/send';
import { adminKubeconfigPath, adminKubeConfig, createTestNamespace, kubeRequest } from '../../harness/kube';
import { createGitRepositories, receiver, requestedAt, ServerFixture } from '../receiver-fixture';

const sha = (...parts: string[]): string => createHash('sha256').update(parts.join('')).digest('hex');
// Flux's types, then the bundled server's files-mode extensions.
const TYPES = ['github', 'gitlab', 'bitbucket', 'harbor', 'generic', 'generic-hmac', 'nexus', 'dockerhub', 'quay', 'acr', 'cdevents', 'gitea', 'azure-devops', 'standard-webhooks'];
const secretOf = (type: string): string => (type === 'github' || type === 'bitbucket' ? 'gh' : type === 'standard-webhooks' ? 'whsec' : 'plain');
const gitRepo = (name: string) => ({ kind: 'GitRepository', name });

describe('send (real receiver server, real apiserver)', () => {
  let ns: string;
  let fixture: ServerFixture;
  let base: string;
  let named: string[];

  beforeAll(async () => {
    ns = await createTestNamespace('send');
    await createGitRepositories(ns, [...TYPES.map((t) => ({ name: `t-${t}` })), { name: 'webapp' }]);
    fixture = await ServerFixture.start({ defaultNamespace: ns });
    fixture.writeSecret('gh', { token: 'gh-token\n' });
    fixture.writeSecret('plain', { token: 'plain-token' });
    fixture.writeSecret('whsec', { token: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' });
    fixture.writeReceivers('receivers.yaml', [
      ...TYPES.map((t) => receiver(`r-${t}`, ns, { type: t, secretRef: { name: secretOf(t) }, resources: [gitRepo(`t-${t}`)] })),
      receiver('push-only', ns, { type: 'github', events: ['push'], secretRef: { name: 'gh' }, resources: [gitRepo('webapp')] }),
      receiver('no-target', ns, { type: 'generic', secretRef: { name: 'plain' }, resources: [gitRepo('does-not-exist')] }),
      receiver('paused', ns, { type: 'generic', suspend: true, secretRef: { name: 'plain' }, resources: [gitRepo('webapp')] }),
    ]);
    await fixture.listen();
    await fixture.ready();
    base = `http://127.0.0.1:${fixture.server!.ports.webhook}`;
    named = ['--base', base, '--receivers', fixture.receiversDir, '--secrets-dir', fixture.secretsDir, '-n', ns];
  });

  afterAll(() => fixture.stop());

  test.each(TYPES)('a delivery of type %s reaches its receiver and the target is asked to reconcile', async (type) => {
    expect(await requestedAt(ns, `t-${type}`)).toBeUndefined();
    const out = await runCommand(runSend, [...named, '--name', `r-${type}`]);
    expect(out.stdout).toContain('HTTP 200 OK');
    expect(out.stdout).toContain('Accepted: the receiver verified the delivery and asked every target to reconcile');
    expect(out.code).toBe(0);
    expect(await requestedAt(ns, `t-${type}`)).toBeDefined();
  });

  test('the report names the request but neither the token nor the secret path', async () => {
    const out = await runCommand(runSend, [...named, '--name', 'r-github', '--event', 'ping']);
    const path_ = sha('gh-token\n', 'r-github', ns);
    expect(out.stdout.split('\n').slice(0, 2)).toEqual([
      `POST ${base}/hook/${path_.slice(0, 8)}…`,
      expect.stringMatching(/^ {2}github event "ping", \d+ bytes, authenticated by X-Hub-Signature-256: HMAC-SHA256 of the body keyed with the token$/),
    ]);
    expect(out.stdout).not.toContain(path_);
    expect(out.stdout).not.toContain('gh-token');
    expect(out.code).toBe(0);
  });

  test('400: an event outside spec.events, explained', async () => {
    const out = await runCommand(runSend, [...named, '--name', 'push-only', '--event', 'ping']);
    expect(out.code).toBe(1);
    expect(out.stdout).toContain('HTTP 400 Bad Request');
    expect(out.stdout).toContain('- the event "ping" (X-GitHub-Event) is not in the Receiver\'s spec.events: add it, or pass --event with one that is');
  });

  test('without --event, the receiver\'s allowed event is announced', async () => {
    const out = await runCommand(runSend, [...named, '--name', 'push-only']);
    expect(out.stdout).toContain('github event "push"');
    expect(out.code).toBe(0);
  });

  test('400: signed with another token (--token-file), explained', async () => {
    fs.writeFileSync(path.join(fixture.dir, 'wrong-token'), 'gh-token');
    const out = await runCommand(runSend, [...named, '--name', 'r-github', '--token-file', path.join(fixture.dir, 'wrong-token')]);
    expect(out.code).toBe(1);
    expect(out.stdout).toContain('- the signature did not verify: the token used here is not the bytes in the receiver\'s Secret (a trailing newline counts)');
    // send asks for a JSON answer, so the bundled server names the failed check.
    expect(out.stdout).toContain('The receiver says: "unable to validate payload: the GitHub signature header is invalid, err: payload signature check failed"');
    expect(out.stdout).not.toContain('probably came from a proxy');
  });

  test('404: a URL made from another token, explained', async () => {
    const out = await runCommand(runSend, ['--url', `${base}/hook/${sha('other', 'r-generic', ns)}`, '--type', 'generic']);
    expect(out.code).toBe(1);
    expect(out.stdout).toContain('HTTP 404 Not Found');
    expect(out.stdout).toContain('No receiver on this path. The path is sha256(token + name + namespace), so one of these differs:');
  });

  test('500: verified, but a target does not exist', async () => {
    const out = await runCommand(runSend, [...named, '--name', 'no-target']);
    expect(out.code).toBe(1);
    expect(out.stdout).toContain('HTTP 500 Internal Server Error');
    expect(out.stdout).toContain('- a target in spec.resources does not exist');
    expect(out.stdout).toContain(`The receiver says: "unable to request reconciliation: resources[0]: unable to read GitRepository \\"${ns}/does-not-exist\\" error: not found"`);
  });

  test('503: a suspended receiver', async () => {
    const out = await runCommand(runSend, [...named, '--name', 'paused']);
    expect(out.code).toBe(1);
    expect(out.stdout).toContain('- the receiver is suspended (spec.suspend) or not ready');
  });

  test('--url with the token from the cluster (--secret) and from standard input', async () => {
    const admin = adminKubeConfig();
    expect((await kubeRequest(admin, 'POST', `/api/v1/namespaces/${ns}/secrets`, { metadata: { name: 'gh' }, stringData: { token: 'gh-token\n' } })).status).toBe(201);
    const url = `${base}/hook/${sha('gh-token\n', 'r-github', ns)}`;
    const viaSecret = await runCommand(runSend, ['--url', url, '--type', 'github', '--secret', 'gh', '-n', ns, '--kubeconfig', adminKubeconfigPath()]);
    expect(viaSecret.stdout).toContain('HTTP 200 OK');
    expect(viaSecret.code).toBe(0);
    const viaStdin = await runCommand(runSend, ['--url', url, '--type', 'github', '--token-file', '-'], 'gh-token\n');
    expect(viaStdin.code).toBe(0);
  });

  test('a proxy\'s answer is recognised by its body', async () => {
    const proxy = http.createServer((_req, res) => res.writeHead(502, { 'Content-Type': 'text/html' }).end('<html><body><h1>502 Bad Gateway</h1></body></html>'));
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    try {
      const out = await runCommand(runSend, ['--url', `http://127.0.0.1:${(proxy.address() as net.AddressInfo).port}/hook/abc`, '--type', 'generic']);
      expect(out.code).toBe(1);
      expect(out.stdout).toContain('The proxy in front could not get an answer from the receiver');
      expect(out.stdout).toContain('The answer has a body, so it probably came from a proxy in front of the receiver: "<html><body><h1>502 Bad Gateway</h1></body></html>"');
    } finally {
      proxy.close();
    }
  });

  test('TLS: a self-signed certificate is explained, and --insecure-skip-tls-verify gets past it', async () => {
    const certDir = fs.mkdtempSync(path.join(fixture.dir, 'tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-keyout', path.join(certDir, 'key.pem'), '-out', path.join(certDir, 'cert.pem')], { stdio: 'ignore' });
    const server = https.createServer({ key: fs.readFileSync(path.join(certDir, 'key.pem')), cert: fs.readFileSync(path.join(certDir, 'cert.pem')) }, (req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200).end());
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `https://127.0.0.1:${(server.address() as net.AddressInfo).port}/hook/abc`;
      const refused = await runCommand(runSend, ['--url', url, '--type', 'generic']);
      expect(refused.code).toBe(1);
      expect(refused.stdout).toMatch(/No answer: TLS certificate of 127\.0\.0\.1:\d+ not accepted \(DEPTH_ZERO_SELF_SIGNED_CERT\): Git hosts refuse it too/);
      const insecure = await runCommand(runSend, ['--url', url, '--type', 'generic', '--insecure-skip-tls-verify']);
      expect(insecure.stdout).toContain('HTTP 200 OK');
      expect(insecure.code).toBe(0);
    } finally {
      server.close();
    }
  });

  test('no answer within --timeout, explained', async () => {
    const silent = http.createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const port = (silent.address() as net.AddressInfo).port;
      const out = await runCommand(runSend, ['--url', `http://127.0.0.1:${port}/hook/abc`, '--type', 'generic', '--timeout', '0.3']);
      expect(out.code).toBe(1);
      expect(out.stdout).toContain(`No answer: no answer from 127.0.0.1:${port} in time: a firewall or loadBalancerSourceRanges drops the traffic, or the receiver hangs`);
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  });

  test('nothing listening: no answer, explained', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const out = await runCommand(runSend, ['--url', `http://127.0.0.1:${port}/hook/abc`, '--type', 'generic']);
    expect(out.code).toBe(1);
    expect(out.stdout).toContain(`No answer: connection to 127.0.0.1:${port} refused: nothing listens there`);
  });

  test.each([
    [['--url', 'https://h/hook/abc'], 'send: with --url, --type <type> is required'],
    [['--url', 'https://h/hook/abc', '--type', 'forgejo'], 'send: --type "forgejo" is not a receiver type'],
    [['--url', 'https://h/other', '--type', 'generic'], 'send: --url must point at a webhook path (/hook/<sha256>), got path "/other"'],
    [['--url', 'https://h/hook/abc', '--type', 'github'], 'send: github deliveries are signed with the token: pass --secret <name> or --token-file <file>'],
    [['--url', 'https://h/hook/abc', '--type', 'generic-oidc'], 'send: generic-oidc deliveries carry an ID token send cannot mint: pass --id-token-file <file>'],
    [['--url', 'https://h/hook/abc', '--type', 'generic', '--name', 'x'], 'send: --url excludes --name'],
    [['--secret', 'gh', '--base', 'https://h', '--from-cluster'], 'send: --secret needs --url'],
    [['--type', 'generic'], 'send: name a receiver'],
    [['--url', 'https://h/hook/abc', '--type', 'generic', '--timeout', '0'], 'send: --timeout "0" is not a number of seconds'],
  ])('usage error %j', async (argv, message) => {
    const failure = runCommand(runSend, argv);
    await expect(failure).rejects.toBeInstanceOf(UsageError);
    await expect(failure).rejects.toThrow(message);
  });

  test('several receivers match: pick one', async () => {
    await expect(runCommand(runSend, named)).rejects.toThrow(/^send: \d+ receivers match \(.*\): pick one with --name and -n$/);
  });
});
