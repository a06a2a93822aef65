// The receiver types are written in four places that must agree: the CRD's `spec.type` enum
// (what Flux accepts), the shared model's RECEIVER_TYPES, the constructs' ReceiverType enum and
// the server's provider types. Each is compared with the list Flux v2.9 documents. The
// bundled server's extension types (files mode only) are added on purpose to the constructs and
// the provider types, never to the Flux lists, and the CRD must not know them.
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { PROVIDER_TYPES } from '../../server/providers';
import { EXTENSION_RECEIVER_TYPES, RECEIVER_TYPES } from '../../src/model';
import { ReceiverType } from '../../src/receiver-type';

const FLUX_TYPES = ['acr', 'bitbucket', 'cdevents', 'dockerhub', 'gcr', 'generic', 'generic-hmac', 'generic-oidc', 'github', 'gitlab', 'harbor', 'nexus', 'quay'];
const EXTENSIONS = ['azure-devops', 'gitea', 'standard-webhooks'];

function crdTypeEnum(): string[] {
  const crd = parse(fs.readFileSync(path.join(__dirname, '..', '..', 'crds', 'notification.toolkit.fluxcd.io_receivers.yaml'), 'utf8'));
  const v1 = crd.spec.versions.find((v: { name: string }) => v.name === 'v1');
  return v1.schema.openAPIV3Schema.properties.spec.properties.type.enum;
}

test.each([
  ['the Receiver CRD enum', crdTypeEnum],
  ['RECEIVER_TYPES (src/model)', () => [...RECEIVER_TYPES]],
])('%s lists exactly the Flux receiver types', (_, list) => {
  const types = list();
  expect(new Set(types).size).toBe(types.length);
  expect([...types].sort()).toEqual(FLUX_TYPES);
});

test.each([
  ['ReceiverType (constructs)', () => Object.values(ReceiverType) as string[]],
  ['the provider types (server)', () => [...PROVIDER_TYPES]],
])('%s lists exactly the Flux receiver types and the extensions', (_, list) => {
  const types = list();
  expect(new Set(types).size).toBe(types.length);
  expect([...types].sort()).toEqual([...FLUX_TYPES, ...EXTENSIONS].sort());
});

test('EXTENSION_RECEIVER_TYPES are the extensions, none of which Flux knows', () => {
  expect([...EXTENSION_RECEIVER_TYPES].sort()).toEqual(EXTENSIONS);
  expect(crdTypeEnum().filter((t) => EXTENSIONS.includes(t))).toEqual([]);
});
