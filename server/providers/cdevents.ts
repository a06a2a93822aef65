// cdevents: the body must be a valid CDEvent; then Ce-Type (the header, not context.type) goes
// through the events allow-list.
import { validateCDEvent } from './_cdevents-schema';
import { eventAllowed } from './_event-filter';
import { headerText, optionalHeader } from './_headers';
import { accept, bounded, MISSING_TOKEN, reject, secretToken } from './_verdict';
import type { Provider } from './provider';
import { decodeStrictJson } from '../wire/go-json';

export const cdeventsProvider: Provider = {
  type: 'cdevents',
  validate(request, context) {
    if (secretToken(context.secret) === undefined) return reject(MISSING_TOKEN);
    const json = decodeStrictJson(request.body);
    const check = json.ok ? validateCDEvent(json.value) : { ok: false as const, reason: json.error };
    if (!check.ok) return reject(`unable to validate CDEvent event: ${check.reason}`);
    const event = headerText(request, 'ce-type');
    if (!eventAllowed(event, context.spec.events)) {
      return reject(`the CDEvent '${bounded(event)}' is not authorised`);
    }
    return accept(request, { event, description: `handling CDEvent: ${event}`, deliveryId: optionalHeader(request, 'ce-id') });
  },
};
