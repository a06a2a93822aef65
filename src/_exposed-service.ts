// An exposure routes to the receiver's Service. For FluxReceivers that is Flux's own
// `webhook-receiver` Service, which exists once, in Flux's namespace, and serves the Receivers of
// every namespace: FluxReceivers declared in another namespace have no Service of their own.
import { IConstruct } from 'constructs';
import { FluxReceivers } from './flux-receivers';
import { IWebhookReceiver } from './webhook-receiver-ref';

/** Flux's namespace unless installed elsewhere (`flux install --namespace`). */
const FLUX_DEFAULT_NAMESPACE = 'flux-system';

/** Throws when `receiver` is a FluxReceivers outside Flux's namespace, where no Flux Service runs. */
export function checkExposedServiceExists(scope: IConstruct, receiver: IWebhookReceiver): void {
  if (receiver instanceof FluxReceivers && receiver.namespace !== FLUX_DEFAULT_NAMESPACE) {
    throw new Error(`${scope.node.path}: receiver (${receiver.node.path}) is a FluxReceivers in namespace "${receiver.namespace}", where no Service "${receiver.serviceName}" runs: `
      + 'Flux\'s notification-controller serves the Receivers of every namespace through the one Service in its own namespace; '
      + `expose WebhookReceiver.fromFluxNotificationController(scope, 'flux') instead (with { namespace } when Flux is not in "${FLUX_DEFAULT_NAMESPACE}")`);
  }
}
