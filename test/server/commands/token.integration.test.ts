// `flux-webhook-receiver token`: strength and format of the token, the Secret manifest (accepted
// by the real apiserver), and --apply creating/updating the Secret on the real apiserver.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse } from 'yaml';
import { runCommand } from './_command-io';
import { UsageError } from '../../../server/commands';
import { runToken } from '../../../server/commands/token';
import {
  adminKubeconfigPath, adminKubeConfig, createTestNamespace, dryRunApply, kubeConfigForToken, kubeRequest, manifestIds,
  serviceAccountToken, writeKubeconfig,
} from '../../harness/kube';

const secretToken = async (ns: string, name: string): Promise<string> => {
  const res = await kubeRequest(adminKubeConfig(), 'GET', `/api/v1/namespaces/${ns}/secrets/${name}`);
  expect(res.status).toBe(200);
  return Buffer.from(res.body.data.token, 'base64').toString('utf8');
};

describe('token', () => {
  test('prints 40 lowercase hex characters (20 random bytes) and a newline; every run differs', async () => {
    const a = await runCommand(runToken, []);
    const b = await runCommand(runToken, []);
    expect(a).toMatchObject({ code: 0, stderr: '' });
    expect(a.stdout).toMatch(/^[0-9a-f]{40}\n$/);
    expect(b.stdout).toMatch(/^[0-9a-f]{40}\n$/);
    expect(a.stdout).not.toBe(b.stdout);
  });

  test('--bytes 32 gives 64 hex characters', async () => {
    expect((await runCommand(runToken, ['--bytes', '32'])).stdout).toMatch(/^[0-9a-f]{64}\n$/);
  });

  test('--secret-manifest prints a Secret the apiserver accepts, token in stringData', async () => {
    const ns = await createTestNamespace('token-manifest');
    const out = await runCommand(runToken, ['--secret-manifest', '--name', 'gitlab-token', '-n', ns]);
    expect(out.code).toBe(0);
    const manifest = parse(out.stdout);
    expect(manifest).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'gitlab-token', namespace: ns },
      type: 'Opaque',
      stringData: { token: expect.stringMatching(/^[0-9a-f]{40}$/) },
    });
    expect(await dryRunApply([manifest])).toEqual(manifestIds([manifest]));
  });

  test('--secret-manifest defaults to the guide\'s webhook-token in flux-system', async () => {
    expect(parse((await runCommand(runToken, ['--secret-manifest'])).stdout).metadata).toEqual({ name: 'webhook-token', namespace: 'flux-system' });
  });

  test.each([
    [['--bytes', '19'], 'token: --bytes "19" is not a whole number from 20 to 512'],
    [['--bytes', '2e1'], 'token: --bytes "2e1" is not a whole number from 20 to 512'],
    [['--secret-manifest', '--apply'], 'token: --secret-manifest and --apply exclude each other: pick one'],
    [['--overwrite'], 'token: --overwrite only applies with --apply'],
    [['--kubeconfig', '/k'], 'token: --kubeconfig only applies with --apply'],
    [['--name', 'Webhook_Token'], 'token: --name "Webhook_Token" is not a valid Secret name'],
    [['-n', 'flux.system'], 'token: --namespace "flux.system" is not a valid namespace'],
    [['--frobnicate'], 'token: unknown flag "--frobnicate"'],
    [['webhook-token'], 'token: unexpected argument "webhook-token"'],
    [['--name'], 'token: flag --name needs a value <secret>'],
  ])('usage error %j', async (argv, message) => {
    const failure = runCommand(runToken, argv);
    await expect(failure).rejects.toBeInstanceOf(UsageError);
    await expect(failure).rejects.toThrow(message);
  });

  test('--help describes every flag', async () => {
    const out = await runCommand(runToken, ['--help']);
    expect(out.code).toBe(0);
    for (const flag of ['--bytes', '--secret-manifest', '--apply', '--name', '--namespace', '--kubeconfig', '--overwrite', '--show-token']) expect(out.stdout).toContain(flag);
  });

  describe('--apply on the real apiserver', () => {
    let ns: string;
    beforeAll(async () => {
      ns = await createTestNamespace('token-apply');
    });

    test('creates the Secret without printing the token; --show-token prints the stored one', async () => {
      const created = await runCommand(runToken, ['--apply', '--name', 'webhook-token', '-n', ns, '--kubeconfig', adminKubeconfigPath()]);
      expect(created.code).toBe(0);
      expect(created.stdout).toBe('');
      expect(created.stderr).toContain(`secret ${ns}/webhook-token created (key 'token', 40 hex characters)`);
      const stored = await secretToken(ns, 'webhook-token');
      expect(stored).toMatch(/^[0-9a-f]{40}$/);
      expect(created.stderr).not.toContain(stored);

      const shown = await runCommand(runToken, ['--apply', '--name', 'shown-token', '-n', ns, '--kubeconfig', adminKubeconfigPath(), '--show-token']);
      expect(shown.stdout).toBe(`${await secretToken(ns, 'shown-token')}\n`);
    });

    test('an existing Secret is kept unless --overwrite, which replaces only the token', async () => {
      const admin = adminKubeConfig();
      expect((await kubeRequest(admin, 'POST', `/api/v1/namespaces/${ns}/secrets`, { metadata: { name: 'existing' }, stringData: { token: 'old-token', email: 'keep@example.com' } })).status).toBe(201);
      const refused = runCommand(runToken, ['--apply', '--name', 'existing', '-n', ns, '--kubeconfig', adminKubeconfigPath()]);
      await expect(refused).rejects.toThrow(`secret ${ns}/existing already exists: pass --overwrite to replace its token (this changes the webhook URL; update every sender)`);
      expect(await secretToken(ns, 'existing')).toBe('old-token');

      const updated = await runCommand(runToken, ['--apply', '--overwrite', '--name', 'existing', '-n', ns, '--kubeconfig', adminKubeconfigPath()]);
      expect(updated.stderr).toContain(`secret ${ns}/existing updated`);
      expect(await secretToken(ns, 'existing')).toMatch(/^[0-9a-f]{40}$/);
      const res = await kubeRequest(admin, 'GET', `/api/v1/namespaces/${ns}/secrets/existing`);
      expect(Buffer.from(res.body.data.email, 'base64').toString()).toBe('keep@example.com');
    });

    test('without permission the apiserver\'s refusal is shown with what is missing', async () => {
      const admin = adminKubeConfig();
      expect((await kubeRequest(admin, 'POST', `/api/v1/namespaces/${ns}/serviceaccounts`, { metadata: { name: 'nobody' } })).status).toBe(201);
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'token-rbac-'));
      try {
        const kubeconfig = writeKubeconfig(kubeConfigForToken(await serviceAccountToken(ns, 'nobody')), path.join(dir, 'kubeconfig'));
        const failure = runCommand(runToken, ['--apply', '-n', ns, '--kubeconfig', kubeconfig]);
        await expect(failure).rejects.toThrow(new RegExp(`^create secret ${ns}/webhook-token: HTTP 403: secrets is forbidden: User "system:serviceaccount:${ns}:nobody" cannot create resource "secrets".* \\(the kubeconfig's user needs that permission\\)$`));
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    test('a kubeconfig that does not exist is named', async () => {
      await expect(runCommand(runToken, ['--apply', '--kubeconfig', '/nonexistent/kubeconfig'])).rejects
        .toThrow('cannot load Kubernetes credentials: kubeconfig /nonexistent/kubeconfig does not exist (pass --kubeconfig <file> or set KUBECONFIG)');
    });
  });
});
