// Every example app, in the order of Flux's "Setup Webhook Receivers" guide.
import { App } from 'cdk8s';
import { buildFluxNotificationControllerApp } from './flux-notification-controller';
import { buildGcrApp } from './gcr';
import { buildGenericHmacApp } from './generic-hmac';
import { buildGitHubPackageApp } from './github-package';
import { buildGitLabApp } from './gitlab';
import { buildGuideFluxReceiversApp } from './guide-flux-receivers';
import { buildGuideWebhookReceiverApp } from './guide-webhook-receiver';
import { buildHarborApp } from './harbor';
import { buildHttpRouteApp } from './http-route';
import { buildIngressCertManagerApp } from './ingress-cert-manager';
import { buildLoadBalancerApp } from './load-balancer';

export interface Example {
  /** Folder name under dist/examples/. */
  readonly name: string;
  readonly description: string;
  readonly build: (outdir?: string) => App;
}

export const EXAMPLES: readonly Example[] = [
  { name: 'guide-webhook-receiver', description: 'The whole Flux guide in one app (3 exposures, Git + GHCR receivers), bundled server', build: buildGuideWebhookReceiverApp },
  { name: 'guide-flux-receivers', description: 'The whole Flux guide in one app (3 exposures, Git + GHCR receivers), Flux Receivers', build: buildGuideFluxReceiversApp },
  { name: 'load-balancer', description: 'LoadBalancer Service + GitHub push → GitRepository', build: buildLoadBalancerApp },
  { name: 'ingress-cert-manager', description: 'Ingress with cert-manager TLS + HTTP-01 solver NetworkPolicy', build: buildIngressCertManagerApp },
  { name: 'http-route', description: 'Gateway API HTTPRoute (+ ReferenceGrant)', build: buildHttpRouteApp },
  { name: 'flux-notification-controller', description: "Flux Receiver objects on Flux's own notification-controller, via Ingress", build: buildFluxNotificationControllerApp },
  { name: 'github-package', description: 'GitHub package events → ImageRepository + OCIRepository', build: buildGitHubPackageApp },
  { name: 'gitlab', description: 'GitLab push/tag events → GitRepositories selected by label', build: buildGitLabApp },
  { name: 'generic-hmac', description: 'HMAC-signed CI webhook → OCIRepository', build: buildGenericHmacApp },
  { name: 'gcr', description: 'Google Artifact Registry Pub/Sub push → ImageRepository', build: buildGcrApp },
  { name: 'harbor', description: 'Harbor push → ImageRepository', build: buildHarborApp },
];
