// A minimal IWebhookReceiver for the exposure tests, so they do not depend on how the
// receiver Deployment is built: only the contract the exposures read.
import { Construct } from 'constructs';
import { IWebhookReceiver } from '../../src';

export class TestReceiver extends Construct implements IWebhookReceiver {
  public readonly namespace: string;
  public readonly serviceName: string;
  public readonly servicePort: number;
  public readonly webhookPort: number;
  public readonly podSelectorLabels: { [key: string]: string };

  constructor(scope: Construct, id: string, opts: Partial<IWebhookReceiver> = {}) {
    super(scope, id);
    this.namespace = opts.namespace ?? 'flux-system';
    this.serviceName = opts.serviceName ?? 'webhook-receiver';
    this.servicePort = opts.servicePort ?? 80;
    this.webhookPort = opts.webhookPort ?? 9292;
    this.podSelectorLabels = opts.podSelectorLabels ?? { app: 'notification-controller' };
  }
}
