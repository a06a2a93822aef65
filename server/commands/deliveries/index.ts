// Receiver `spec.type` → the builder of its test delivery.
import { azureDevOpsDelivery } from './azure-devops';
import { bitbucketDelivery } from './bitbucket';
import { cdeventsDelivery } from './cdevents';
import type { DeliveryBuilder } from './delivery';
import { genericDelivery } from './generic';
import { genericHmacDelivery } from './generic-hmac';
import { giteaDelivery } from './gitea';
import { githubDelivery } from './github';
import { gitlabDelivery } from './gitlab';
import { harborDelivery } from './harbor';
import { gcrDelivery, genericOidcDelivery } from './id-token';
import { nexusDelivery } from './nexus';
import { acrDelivery, dockerhubDelivery, quayDelivery } from './registries';
import { standardWebhooksDelivery } from './standard-webhooks';

export * from './delivery';

const BUILDERS: ReadonlyMap<string, DeliveryBuilder> = new Map([
  githubDelivery, gitlabDelivery, bitbucketDelivery, harborDelivery, genericDelivery, genericHmacDelivery,
  nexusDelivery, dockerhubDelivery, quayDelivery, acrDelivery, cdeventsDelivery, genericOidcDelivery, gcrDelivery,
  // Extensions (files mode only).
  giteaDelivery, azureDevOpsDelivery, standardWebhooksDelivery,
].map((b) => [b.type, b]));

export function deliveryBuilder(type: string): DeliveryBuilder | undefined {
  return BUILDERS.get(type);
}

export const DELIVERY_TYPES: readonly string[] = [...BUILDERS.keys()];

/**
 * The event to announce: `requested` when given; else the builder's default if the receiver's
 * allow-list (`spec.events`, empty = all) admits it; else the first event the receiver allows.
 */
export function chooseEvent(builder: DeliveryBuilder, allowed: readonly string[], requested?: string): string {
  if (requested !== undefined) return requested;
  const admitted = (e: string): boolean => allowed.length === 0 || allowed.some((a) => a.toLowerCase() === e.toLowerCase());
  return builder.events.find(admitted) ?? allowed[0] ?? builder.events[0] ?? '';
}
