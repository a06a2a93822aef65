// The README's app for `register` tests: a GitRepository on a fake Git host and a receiver of the
// host's type targeting it, synthesized to dist/ with its token in a secrets directory, served by
// the bundled server in files mode against the harness's apiserver.
import type { ChildProcess } from 'child_process';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { App, Chart, Duration, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { stringify } from 'yaml';
import { GitRef, GitRepository, ReceiverProvider, ReconcileTarget, WebhookReceiver } from '../../../src';
import { hookPath } from '../../../src/model';
import { adminKubeconfigPath, apply, createTestNamespace, ManifestObject } from '../../harness/kube';
import { BundleProcess } from '../../harness/server-process';

export interface Site {
  readonly ns: string;
  readonly dist: string;
  readonly secrets: string;
  readonly token: string;
  /** The served receiver's base URL (`http://127.0.0.1:<port>`). */
  readonly base: string;
  /** The receiver's webhook URL. */
  readonly url: string;
  readonly server: ChildProcess;
  /** Everything the server printed so far. */
  readonly output: () => string;
  /** Writes the synthesized app again, e.g. with other verification keys. */
  readonly synth: (verificationKeys?: string[]) => void;
}

/** Creates the namespace, the GitRepository and the files, and starts the server; the receiver is named `webapp`. */
export async function startSite(dir: string, prefix: string, repoUrl: string, provider: ReceiverProvider): Promise<Site> {
  const ns = await createTestNamespace(prefix);
  const root = fs.mkdtempSync(path.join(dir, `${prefix}-`));
  const dist = path.join(root, 'dist');
  const secrets = path.join(root, 'secrets');
  fs.mkdirSync(dist);
  fs.mkdirSync(path.join(secrets, 'webhook-token'), { recursive: true });
  const token = randomBytes(20).toString('hex');
  fs.writeFileSync(path.join(secrets, 'webhook-token', 'token'), token);
  const gitRepository = (chart: Chart): GitRepository =>
    new GitRepository(chart, 'webapp', { url: repoUrl, ref: GitRef.branch('main'), interval: Duration.hours(1), metadata: { name: 'webapp' } });
  const synth = (verificationKeys?: string[]): void => {
    const chart = new Chart(new App(), 'webhooks', { namespace: ns });
    new WebhookReceiver(chart, 'receiver').addReceiver('webapp', {
      provider,
      secret: kplus.Secret.fromSecretName(chart, 'token', 'webhook-token'),
      targets: [ReconcileTarget.fromApiObject(gitRepository(chart))],
      verificationKeys,
    });
    fs.writeFileSync(path.join(dist, 'webhooks.k8s.yaml'), Testing.synth(chart).map((m) => stringify(m)).join('---\n'));
  };
  synth();
  const repoChart = new Chart(new App(), 'repo', { namespace: ns });
  gitRepository(repoChart);
  await apply(Testing.synth(repoChart) as ManifestObject[]);
  const server = await BundleProcess.serve({ args: ['--receivers', dist, '--secrets-dir', secrets, '--kubeconfig', adminKubeconfigPath()] });
  const base = `http://127.0.0.1:${server.ports.webhook}`;
  return { ns, dist, secrets, token, base, url: `${base}${hookPath(token, 'webapp', ns)}`, server: server.child, output: () => server.output, synth };
}
