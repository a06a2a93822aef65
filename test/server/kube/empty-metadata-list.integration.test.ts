// The apiserver answers an empty PartialObjectMetadataList with `"items": null`; the client hands
// on an empty list, so the target cache of an empty namespace syncs (and /readyz turns ready).
import { KubeApiError, KubeClient } from '../../../server/kube/kube-client';
import { adminKubeConfig, createTestNamespace, eventually } from '../../harness/kube';

test('a metadata list of an empty namespace is an empty list, not null', async () => {
  const ns = await createTestNamespace('empty-list');
  const kube = new KubeClient(adminKubeConfig());
  try {
    const type = await kube.resourceType('source.toolkit.fluxcd.io/v1', 'GitRepository');
    // A freshly started apiserver answers 429 while the CRD's storage initializes.
    const list = await eventually('list', () => kube.listMetadata(type, ns).catch((err: KubeApiError) => {
      if (err.status === 429) return undefined;
      throw err;
    }));
    expect(list.items).toEqual([]);
    expect(typeof list.metadata.resourceVersion).toBe('string');
  } finally {
    kube.close();
  }
});
