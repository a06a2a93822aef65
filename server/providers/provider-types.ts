// Receiver `spec.type` → provider.
import { acrProvider } from './acr';
import { azureDevOpsProvider } from './azure-devops';
import { bitbucketProvider } from './bitbucket';
import { cdeventsProvider } from './cdevents';
import { dockerhubProvider } from './dockerhub';
import { gcrProvider } from './gcr';
import { genericProvider } from './generic';
import { genericHmacProvider } from './generic-hmac';
import { genericOidcProvider } from './generic-oidc';
import { giteaProvider } from './gitea';
import { githubProvider } from './github';
import { gitlabProvider } from './gitlab';
import { harborProvider } from './harbor';
import { nexusProvider } from './nexus';
import type { Provider } from './provider';
import { quayProvider } from './quay';
import { standardWebhooksProvider } from './standard-webhooks';

const PROVIDERS: ReadonlyMap<string, Provider> = new Map(
  [
    genericProvider,
    genericHmacProvider,
    genericOidcProvider,
    githubProvider,
    gitlabProvider,
    bitbucketProvider,
    harborProvider,
    dockerhubProvider,
    quayProvider,
    gcrProvider,
    nexusProvider,
    acrProvider,
    cdeventsProvider,
    // Extensions (files mode only; see EXTENSION_RECEIVER_TYPES in src/model).
    giteaProvider,
    azureDevOpsProvider,
    standardWebhooksProvider,
  ].map((provider) => [provider.type, provider]),
);

/** The types that have a provider: Flux's and the extensions (test/model/receiver-types.test.ts ties them to the CRD and the constructs). */
export const PROVIDER_TYPES: readonly string[] = [...PROVIDERS.keys()];

/** The provider for a Receiver `spec.type`; undefined for an unknown type (Flux answers 400). */
export function providerFor(type: string): Provider | undefined {
  return PROVIDERS.get(type);
}

/** Flux's (typo included) message for an unknown type. */
export function unsupportedTypeReason(type: string): string {
  return `recevier type ${JSON.stringify(type)} not supported`;
}
