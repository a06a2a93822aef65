// FluxReceivers emits Receiver objects for notification-controller, whose CRD lists only Flux's
// types: an extension type (gitea, azure-devops, standard-webhooks) would be refused by the API
// server at apply time, so it is refused here, when the app is synthesized.
import { isExtensionReceiverType } from './model';
import { ReceiverProvider } from './receiver-provider';

export function assertFluxReceiverType(owner: string, name: string, provider: unknown): void {
  if (!(provider instanceof ReceiverProvider) || !isExtensionReceiverType(provider.type)) return;
  throw new Error(`${owner}: receiver ${JSON.stringify(name)} provider type ${JSON.stringify(provider.type)} is an extension of the bundled receiver server, `
    + 'not a Flux Receiver type, so notification-controller cannot serve it (its Receiver CRD would refuse the object): '
    + `add this receiver to a WebhookReceiver instead${provider.type === 'gitea' ? ', or use ReceiverProvider.github(), which Gitea and Forgejo also speak' : ''}`);
}
