// The receiver types are written in four places that must agree: the CRD's `spec.type` enum
// (what Flux accepts), the shared model's RECEIVER_TYPES, the constructs' ReceiverType enum and
// the server's provider registry. Each is compared with the list Flux v2.9 documents.
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { PROVIDER_TYPES } from '../../server/providers';
import { RECEIVER_TYPES } from '../../src/model';
import { ReceiverType } from '../../src/receiver-type';

const FLUX_TYPES = ['acr', 'bitbucket', 'cdevents', 'dockerhub', 'gcr', 'generic', 'generic-hmac', 'generic-oidc', 'github', 'gitlab', 'harbor', 'nexus', 'quay'];

function crdTypeEnum(): string[] {
  const crd = parse(fs.readFileSync(path.join(__dirname, '..', '..', 'crds', 'notification.toolkit.fluxcd.io_receivers.yaml'), 'utf8'));
  const v1 = crd.spec.versions.find((v: { name: string }) => v.name === 'v1');
  return v1.schema.openAPIV3Schema.properties.spec.properties.type.enum;
}

test.each([
  ['the Receiver CRD enum', crdTypeEnum],
  ['RECEIVER_TYPES (src/model)', () => [...RECEIVER_TYPES]],
  ['ReceiverType (constructs)', () => Object.values(ReceiverType)],
  ['the provider registry (server)', () => [...PROVIDER_TYPES]],
])('%s lists exactly the Flux receiver types', (_, list) => {
  const types = list();
  expect(new Set(types).size).toBe(types.length);
  expect([...types].sort()).toEqual(FLUX_TYPES);
});
