// Flux's "Setup Webhook Receivers" guide end to end in one app, for either backend: the three
// ways to expose the receiver (LoadBalancer, Ingress with cert-manager TLS and the HTTP-01
// solver policy, Gateway API HTTPRoute), the GitRepository `webapp` with the `github-receiver`
// (ping, push), and a second receiver (ping, package) for the image and the OCI artifact that
// GitHub Container Registry pushes announce. Shared by guide-webhook-receiver.ts and
// guide-flux-receivers.ts, which differ only in the backend.
import { App, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import {
  CertManagerSolverPolicy, ExposeViaHttpRoute, ExposeViaIngress, ExposeViaLoadBalancer, ExternalTrafficPolicy, FluxReceivers, GitRef,
  ImageRepository, IngressTls, OciRef, OciRepository, ReceiverProvider, ReconcileTarget, SolverTrafficSource, WebhookReceiver,
} from '../src';
import { exampleApp, webappRepository } from './_setup';

export type GuideBackend = 'webhook-receiver' | 'flux-receivers';

export function buildGuideApp(backend: GuideBackend, outdir?: string): App {
  const { app, chart } = exampleApp(outdir);

  // Sources: the Git repository of the guide, and the image and manifests pushed to GHCR.
  const webapp = webappRepository(chart, { ref: GitRef.branch('master'), interval: Duration.hours(1) });
  const images = new ImageRepository(chart, 'WebappImages', {
    metadata: { name: 'webapp' },
    image: 'ghcr.io/org/webapp',
    interval: Duration.hours(1),
  });
  const manifests = new OciRepository(chart, 'WebappManifests', {
    metadata: { name: 'webapp-manifests' },
    url: 'oci://ghcr.io/org/webapp-manifests',
    ref: OciRef.tag('latest'),
    interval: Duration.hours(1),
  });

  // Receivers: the same definitions on either backend.
  const receiver = backend === 'webhook-receiver' ? new WebhookReceiver(chart, 'Receiver') : new FluxReceivers(chart, 'Receiver');
  const token = kplus.Secret.fromSecretName(chart, 'Token', 'webhook-token');
  receiver.addReceiver('github-receiver', {
    provider: ReceiverProvider.github({ events: ['ping', 'push'] }),
    secret: token,
    targets: [ReconcileTarget.fromApiObject(webapp)],
  });
  receiver.addReceiver('ghcr-receiver', {
    provider: ReceiverProvider.github({ events: ['ping', 'package'] }),
    secret: token,
    targets: [ReconcileTarget.fromApiObject(images), ReconcileTarget.fromApiObject(manifests)],
  });

  // Exposure 1: a cloud load balancer admitting GitHub's hook ranges only.
  new ExposeViaLoadBalancer(chart, 'LoadBalancer', {
    receiver,
    metadata: { name: 'receiver' },
    externalTrafficPolicy: ExternalTrafficPolicy.LOCAL,
    loadBalancerSourceRanges: ['192.30.252.0/22', '185.199.108.0/22', '140.82.112.0/20', '143.55.64.0/20'],
    networkPolicyName: 'allow-webhook-load-balancer',
  });
  // Exposure 2: an Ingress with a Let's Encrypt certificate (Secret webhook-receiver-tls); the
  // solver policy lets the HTTP-01 challenge through Flux's default-deny policies.
  new ExposeViaIngress(chart, 'Ingress', {
    receiver,
    metadata: { name: 'webhook-receiver' },
    host: 'flux-webhook.example.com',
    ingressClassName: 'nginx',
    tls: IngressTls.certManagerClusterIssuer('letsencrypt'),
  });
  new CertManagerSolverPolicy(chart, 'AcmeSolver', {
    receiver,
    metadata: { name: 'allow-acme-solver' },
    certManager: [SolverTrafficSource.namespace('cert-manager')],
    ingressControllers: [SolverTrafficSource.namespace('ingress-nginx')],
  });
  // Exposure 3: a Gateway API HTTPRoute in the Gateway's namespace (+ ReferenceGrant).
  new ExposeViaHttpRoute(chart, 'Route', {
    receiver,
    metadata: { name: 'flux-webhook' },
    namespace: 'gateway-system',
    parentRefs: [{ name: 'public', sectionName: 'https' }],
    hostnames: ['flux-webhook.example.com'],
  });
  return app;
}
