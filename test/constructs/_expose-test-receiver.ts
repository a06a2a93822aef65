// A minimal IWebhookReceiver for the exposure tests, so they do not depend on how the
// receiver Deployment is built: only the contract the exposures read.
import { Construct } from 'constructs';
import { IWebhookReceiver } from '../../src';

export class TestReceiver extends Construct implements IWebhookReceiver {
  public readonly namespace: string;
  public readonly serviceName = 'webhook-receiver';
  public readonly servicePort = 80;
  public readonly webhookPort = 9292;
  public readonly podSelectorLabels: { [key: string]: string };

  constructor(scope: Construct, id: string, opts: { namespace?: string; podSelectorLabels?: { [key: string]: string }; serviceName?: string } = {}) {
    super(scope, id);
    this.namespace = opts.namespace ?? 'flux-system';
    this.podSelectorLabels = opts.podSelectorLabels ?? { app: 'notification-controller' };
    if (opts.serviceName) (this as { serviceName: string }).serviceName = opts.serviceName;
  }
}
