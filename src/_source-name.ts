import { ApiObjectMetadata } from 'cdk8s';
import { Construct } from 'constructs';

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * The metadata of a Flux source. People and the `flux` CLI address sources by name
 * (`flux reconcile source git webapp`), so without `metadata.name` the construct id is the name
 * when it is a valid object name; otherwise cdk8s generates one. Two objects with one name are
 * refused at synth time (checkObjectsAtSynth).
 */
export function sourceMetadata(source: Construct, metadata: ApiObjectMetadata | undefined): ApiObjectMetadata | undefined {
  if (metadata?.name !== undefined) return metadata;
  const id = source.node.id;
  if (id.length > 253 || !DNS_SUBDOMAIN.test(id)) return metadata;
  return { ...metadata, name: id };
}
