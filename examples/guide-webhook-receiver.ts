// Flux's "Setup Webhook Receivers" guide end to end, served by the bundled receiver server
// (coalescing, limits, metrics). The same app on Flux's own controller: guide-flux-receivers.ts.
import { App } from 'cdk8s';
import { buildGuideApp } from './_guide';

export function buildGuideWebhookReceiverApp(outdir?: string): App {
  return buildGuideApp('webhook-receiver', outdir);
}
