// A receiver app shared by the construct tests: one WebhookReceiver (or FluxReceivers) with
// a GitHub receiver on a GitRepository defined in the app, a label-selected OCIRepository
// target, and a Kustomization in a second namespace.
import { Chart, Duration, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { FluxReceivers, GitRef, GitRepository, ReceiverProvider, ReconcileTarget, ReconcileTargetKind, WebhookReceiver, WebhookReceiverProps } from '../../src';

export interface Scenario {
  readonly chart: Chart;
  readonly repo: GitRepository;
}

export function receiverApp(namespace: string, appsNamespace: string, backend: 'server' | 'flux', props: WebhookReceiverProps = {}) {
  const chart = new Chart(Testing.app(), 'test', { namespace });
  const repo = new GitRepository(chart, 'webapp', {
    url: 'https://github.com/org/webapp',
    ref: GitRef.branch('master'),
    interval: Duration.hours(1),
    metadata: { name: 'webapp' },
  });
  // The Kustomization in appsNamespace is a cross-namespace target: allowed explicitly.
  const crossNamespaceTargets = props.noCrossNamespaceRefs || appsNamespace === namespace ? undefined : [appsNamespace];
  const host = backend === 'server'
    ? new WebhookReceiver(chart, 'receiver', { namespace, crossNamespaceTargets, ...props })
    : new FluxReceivers(chart, 'receiver', { namespace, crossNamespaceTargets });
  const github = host.addReceiver('webapp', {
    provider: ReceiverProvider.github({ events: ['ping', 'push'] }),
    secret: kplus.Secret.fromSecretName(chart, 'token', 'webhook-token'),
    targets: [
      ReconcileTarget.fromApiObject(repo),
      ReconcileTarget.byLabels(ReconcileTargetKind.OCI_REPOSITORY, { team: 'web' }, { filter: "res.metadata.name != 'skip'" }),
      ReconcileTarget.kustomization('apps', { namespace: appsNamespace }),
    ],
    resourceFilter: "req.ref == 'refs/heads/master'",
    interval: Duration.minutes(30),
  });
  const oidc = host.addReceiver('actions', {
    provider: ReceiverProvider.genericOidc({
      issuers: [{
        issuerUrl: 'https://token.actions.githubusercontent.com',
        audience: 'flux',
        variables: [{ name: 'owner', expression: 'claims.repository_owner' }],
        validations: [{ expression: "vars.owner == 'org'", message: 'only org workflows' }],
      }],
    }),
    targets: [ReconcileTarget.gitRepository('webapp')],
  });
  const harbor = host.addReceiver('registry', {
    provider: ReceiverProvider.harbor(),
    secret: kplus.Secret.fromSecretName(chart, 'harbor-token', 'harbor-token'),
    targets: [ReconcileTarget.ociRepository('app')],
    suspend: true,
  });
  return { chart, repo, host, github, oidc, harbor };
}
