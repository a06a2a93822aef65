// ImageRepository and OciRepository: the typed Flux sources a registry webhook reconciles.
import { ApiObject, Chart, Duration, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Node } from 'constructs';
import { ImageRepository, OciRef, OciRepository, ReconcileTarget, RegistryProvider } from '../../src';
import { createTestNamespace, dryRunApply, manifestIds } from '../harness/kube';

describe('ImageRepository', () => {
  test('renders a Flux image.toolkit.fluxcd.io/v1 ImageRepository; the L1 is the default child', () => {
    const chart = Testing.chart();
    const images = new ImageRepository(chart, 'webapp', {
      image: 'ghcr.io/org/webapp',
      interval: Duration.hours(1),
      secretRef: kplus.Secret.fromSecretName(chart, 'pull', 'ghcr-pull'),
      provider: RegistryProvider.GENERIC,
      metadata: { name: 'webapp' },
    });
    expect(Testing.synth(chart)).toEqual([{
      apiVersion: 'image.toolkit.fluxcd.io/v1',
      kind: 'ImageRepository',
      metadata: { name: 'webapp' },
      spec: { image: 'ghcr.io/org/webapp', interval: '1h', secretRef: { name: 'ghcr-pull' }, provider: 'generic' },
    }]);
    expect(Node.of(images).defaultChild).toBe(images.apiObject);
    expect(images.name).toBe('webapp');
    expect(ReconcileTarget.fromApiObject(images)._toSpec()).toMatchObject({ apiVersion: 'image.toolkit.fluxcd.io/v1', kind: 'ImageRepository', name: 'webapp' });
  });

  test('defaults: 10m interval, registry with a port is not a tag', () => {
    const chart = Testing.chart();
    new ImageRepository(chart, 'local', { image: 'registry.local:5000/team/app' });
    expect(Testing.synth(chart)[0].spec).toEqual({ image: 'registry.local:5000/team/app', interval: '10m' });
  });

  test('validation', () => {
    const make = (image: string) => () => new ImageRepository(Testing.chart(), 'images', { image });
    expect(make('ghcr.io/org/webapp:1.0')).toThrow('ImageRepository test/images image "ghcr.io/org/webapp:1.0" has a tag or digest, but Flux scans all tags of the repository: remove it, e.g. "ghcr.io/org/webapp"');
    expect(make('ghcr.io/org/webapp@sha256:abc')).toThrow(/has a tag or digest.*e.g. "ghcr.io\/org\/webapp"/);
    expect(make('https://ghcr.io/org/webapp')).toThrow(/image "https:\/\/ghcr.io\/org\/webapp" is not an image reference: give registry\/repository without a scheme/);
    expect(make('')).toThrow(/image "" is not an image reference/);
  });
});

describe('OciRepository', () => {
  test('renders a Flux source.toolkit.fluxcd.io/v1 OCIRepository with each kind of ref', () => {
    const chart = Testing.chart();
    const manifests = new OciRepository(chart, 'manifests', {
      url: 'oci://ghcr.io/org/webapp-manifests',
      ref: OciRef.semver('>=1.0.0 <2.0.0'),
      provider: RegistryProvider.GCP,
      interval: Duration.minutes(30),
    });
    const [manifest] = Testing.synth(chart);
    expect(manifest).toEqual({
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'OCIRepository',
      metadata: { name: manifests.name },
      spec: { url: 'oci://ghcr.io/org/webapp-manifests', interval: '30m', ref: { semver: '>=1.0.0 <2.0.0' }, provider: 'gcp' },
    });
    expect(ApiObject.of(manifests)).toBe(manifests.apiObject);
    expect(OciRef.tag('latest')._toSpec()).toEqual({ tag: 'latest' });
    const digest = `sha256:${'a'.repeat(64)}`;
    expect(OciRef.digest(digest)._toSpec()).toEqual({ digest });
  });

  test('validation', () => {
    const make = (url: string) => () => new OciRepository(Testing.chart(), 'oci', { url });
    expect(make('ghcr.io/org/manifests')).toThrow('OciRepository test/oci url "ghcr.io/org/manifests" must be oci://<registry>/<repository>, e.g. "oci://ghcr.io/org/manifests"');
    expect(make('oci://ghcr.io/org/manifests:latest'))
      .toThrow(/url "oci:\/\/ghcr.io\/org\/manifests:latest" has a tag or digest: remove it and choose the version with ref \(OciRef.tag\(\), OciRef.semver\(\), OciRef.digest\(\)\)/);
    expect(() => OciRef.digest('latest')).toThrow(/OciRef.digest\("latest"\) is not a digest/);
    expect(() => OciRef.tag(' ')).toThrow(/OciRef.tag\(" "\) is empty/);
  });
});

test('the apiserver accepts both (strict server-side dry run against the Flux CRDs)', async () => {
  const ns = await createTestNamespace('registry-sources');
  const chart = new Chart(Testing.app(), 'sources', { namespace: ns });
  new ImageRepository(chart, 'images', { image: 'ghcr.io/org/webapp', provider: RegistryProvider.AWS });
  new OciRepository(chart, 'manifests', { url: 'oci://ghcr.io/org/webapp-manifests', ref: OciRef.digest(`sha256:${'0'.repeat(64)}`) });
  const objects = Testing.synth(chart);
  expect(await dryRunApply(objects)).toEqual(manifestIds(objects));
});

test('ImageRepository and OciRepository are named by their construct id (what the flux CLI takes), unless metadata.name says otherwise', () => {
  const chart = Testing.chart();
  expect(new ImageRepository(chart, 'webapp', { image: 'ghcr.io/org/webapp' }).name).toBe('webapp');
  expect(new OciRepository(chart, 'manifests', { url: 'oci://ghcr.io/org/manifests' }).name).toBe('manifests');
  expect(new OciRepository(chart, 'Manifests', { url: 'oci://ghcr.io/org/manifests' }).name).toMatch(/^test-manifests-[0-9a-f]{8}$/);
  expect(new ImageRepository(chart, 'images', { image: 'ghcr.io/org/webapp', metadata: { name: 'webapp-images' } }).name).toBe('webapp-images');
});
