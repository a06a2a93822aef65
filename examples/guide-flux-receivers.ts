// Flux's "Setup Webhook Receivers" guide end to end, as Receiver objects for Flux's own
// notification-controller. The same app on the bundled server: guide-webhook-receiver.ts.
import { App } from 'cdk8s';
import { buildGuideApp } from './_guide';

export function buildGuideFluxReceiversApp(outdir?: string): App {
  return buildGuideApp('flux-receivers', outdir);
}
