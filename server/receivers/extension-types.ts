// The bundled server's extension types (gitea, azure-devops, standard-webhooks; listed in
// src/model) are served in files mode only. Files mode validates documents against Flux's CRD
// schema with those types added to the `spec.type` enum, so the enum error names them too; cluster
// mode refuses them, since Flux's schema has no such type and an API server with Flux's CRD
// would not store such a Receiver in the first place.
import { EXTENSION_RECEIVER_TYPES, isExtensionReceiverType, type ReceiverSpec } from '../../src/model';

interface SchemaWithType {
  readonly properties?: { readonly spec?: { readonly properties?: { readonly type?: { readonly enum?: readonly string[] } } } };
}

/** A copy of the Receiver openAPIV3Schema whose `spec.type` enum also lists the extension types. */
export function withExtensionTypes<S extends SchemaWithType>(schema: S): S {
  const type = schema.properties?.spec?.properties?.type;
  if (!type?.enum) return schema;
  const copy = structuredClone(schema) as S & { properties: { spec: { properties: { type: { enum: string[] } } } } };
  const list = copy.properties.spec.properties.type.enum;
  for (const extension of EXTENSION_RECEIVER_TYPES) if (!list.includes(extension)) list.push(extension);
  return copy;
}

/** Why cluster mode does not serve `spec`, when its type is an extension; undefined otherwise. */
export function clusterModeRefusal(spec: ReceiverSpec | undefined): { readonly reason: 'ValidationFailed'; readonly detail: string } | undefined {
  if (!spec || !isExtensionReceiverType(spec.type)) return undefined;
  return {
    reason: 'ValidationFailed',
    detail: `type ${JSON.stringify(spec.type)} is an extension of flux-webhook-receiver served in files mode only (--receivers), not a Flux Receiver type: `
      + 'define this receiver in a receivers file (WebhookReceiver does) instead of as a Receiver object',
  };
}
