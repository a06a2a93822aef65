// Flux notification-controller's `webhook-receiver` Service, as the Flux install creates it
// (test/fixtures/flux-install/). The bundled server's Service uses the same port but never this
// name (that would take Flux's Service over), so an exposure works unchanged with either backend.

/** Name of notification-controller's receiver Service. */
export const FLUX_RECEIVER_SERVICE_NAME = 'webhook-receiver';
/** Port of that Service (→ the controller's `http-webhook` port 9292). */
export const FLUX_RECEIVER_SERVICE_PORT = 80;
/** The Service's selector: notification-controller's pods. */
export const FLUX_CONTROLLER_POD_LABELS: Readonly<Record<string, string>> = { app: 'notification-controller' };
