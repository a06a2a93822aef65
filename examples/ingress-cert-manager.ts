// Flux guide, "Expose the webhook receiver" with an Ingress whose certificate cert-manager
// issues over HTTP-01; the solver policy lets the ACME challenge through the default-deny
// NetworkPolicies of the receiver's namespace.
import { App } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import {
  CertManagerSolverPolicy, ExposeViaIngress, IngressTls,
  ReceiverProvider, ReconcileTarget, SolverTrafficSource, WebhookReceiver,
} from '../src';
import { exampleApp, webappRepository } from './_setup';

export function buildIngressCertManagerApp(outdir?: string): App {
  const { app, chart } = exampleApp(outdir);

  const repo = webappRepository(chart);
  const receiver = new WebhookReceiver(chart, 'Receiver');
  receiver.addReceiver('github-receiver', {
    provider: ReceiverProvider.github({ events: ['ping', 'push'] }),
    secret: kplus.Secret.fromSecretName(chart, 'Token', 'webhook-token'),
    targets: [ReconcileTarget.fromApiObject(repo)],
  });

  new ExposeViaIngress(chart, 'Ingress', {
    receiver,
    metadata: { name: 'webhook-receiver' },
    host: 'flux-webhook.example.com',
    ingressClassName: 'nginx',
    tls: IngressTls.certManagerClusterIssuer('letsencrypt'), // certificate in Secret webhook-receiver-tls
  });
  new CertManagerSolverPolicy(chart, 'AcmeSolver', {
    receiver,
    metadata: { name: 'allow-acme-solver' },
    certManager: [SolverTrafficSource.namespace('cert-manager')],
    // The ACME server and cert-manager's self-check reach the solver through the controller.
    ingressControllers: [SolverTrafficSource.namespace('ingress-nginx', { podLabels: { 'app.kubernetes.io/name': 'ingress-nginx' } })],
  });
  return app;
}
