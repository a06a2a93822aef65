// GitLab push and tag events reconcile every GitRepository labelled for the project.
import { App } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { GitRef, GitRepository, ReceiverProvider, ReconcileTarget, ReconcileTargetKind, WebhookReceiver } from '../src';
import { exampleApp } from './_setup';

export function buildGitLabApp(outdir?: string): App {
  const { app, chart } = exampleApp(outdir);

  for (const env of ['staging', 'production']) {
    new GitRepository(chart, `Platform-${env}`, {
      metadata: { name: `platform-${env}`, labels: { 'gitlab.example.com/project': 'platform' } },
      url: 'https://gitlab.example.com/infra/platform.git',
      ref: GitRef.branch(env),
    });
  }
  const receiver = new WebhookReceiver(chart, 'Receiver');
  receiver.addReceiver('gitlab-receiver', {
    provider: ReceiverProvider.gitlab({ events: ['Push Hook', 'Tag Push Hook'] }),
    secret: kplus.Secret.fromSecretName(chart, 'Token', 'gitlab-webhook-token'),
    targets: [ReconcileTarget.byLabels(ReconcileTargetKind.GIT_REPOSITORY, { 'gitlab.example.com/project': 'platform' })],
  });
  return app;
}
