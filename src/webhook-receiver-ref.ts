import { IConstruct } from 'constructs';

/**
 * A webhook receiver that can be exposed: the bundled server deployed by `WebhookReceiver`,
 * or Flux notification-controller's own `webhook-receiver` Service.
 */
export interface IWebhookReceiver extends IConstruct {
  /** Namespace of the receiver pods and Service. */
  readonly namespace: string;
  /** Name of the ClusterIP Service in front of the receiver pods (port 80 → 9292 in both backends). */
  readonly serviceName: string;
  /** Port of that Service. */
  readonly servicePort: number;
  /** Container port the webhook listener binds (9292). */
  readonly webhookPort: number;
  /** Labels that select the receiver pods, for Services and NetworkPolicies. */
  readonly podSelectorLabels: { [key: string]: string };
}
