import { ApiObject, Chart, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { GitRepository, ReconcileTarget, ReconcileTargetKind } from '../../src';

describe('ReconcileTarget', () => {
  test('a typed factory per kind Flux accepts, each with the served apiVersion written explicitly', () => {
    const targets = [
      ReconcileTarget.gitRepository('a'), ReconcileTarget.ociRepository('a'), ReconcileTarget.helmRepository('a'),
      ReconcileTarget.helmChart('a'), ReconcileTarget.bucket('a'), ReconcileTarget.imageRepository('a'),
      ReconcileTarget.imagePolicy('a'), ReconcileTarget.imageUpdateAutomation('a'), ReconcileTarget.kustomization('a'),
      ReconcileTarget.helmRelease('a'), ReconcileTarget.artifactGenerator('a'), ReconcileTarget.externalArtifact('a'),
    ];
    expect(Object.fromEntries(targets.map((t) => [t.kind, t.apiVersion]))).toEqual({
      GitRepository: 'source.toolkit.fluxcd.io/v1',
      OCIRepository: 'source.toolkit.fluxcd.io/v1',
      HelmRepository: 'source.toolkit.fluxcd.io/v1',
      HelmChart: 'source.toolkit.fluxcd.io/v1',
      Bucket: 'source.toolkit.fluxcd.io/v1',
      ImageRepository: 'image.toolkit.fluxcd.io/v1',
      ImagePolicy: 'image.toolkit.fluxcd.io/v1',
      ImageUpdateAutomation: 'image.toolkit.fluxcd.io/v1',
      Kustomization: 'kustomize.toolkit.fluxcd.io/v1',
      HelmRelease: 'helm.toolkit.fluxcd.io/v2',
      ArtifactGenerator: 'source.extensions.fluxcd.io/v1beta1',
      ExternalArtifact: 'source.toolkit.fluxcd.io/v1',
    });
    expect(targets.map((t) => t.kind).sort()).toEqual(Object.values(ReconcileTargetKind).sort());
    expect(targets.every((t) => t._toSpec().apiVersion === t.apiVersion)).toBe(true);
  });

  test('by name, with namespace, filter and apiVersion override', () => {
    const t = ReconcileTarget.helmRelease('podinfo', { namespace: 'apps', filter: "req.ref == 'refs/heads/main'", apiVersion: 'helm.toolkit.fluxcd.io/v2beta2' });
    expect(t._toSpec()).toEqual({
      apiVersion: 'helm.toolkit.fluxcd.io/v2beta2',
      kind: 'HelmRelease',
      name: 'podinfo',
      namespace: 'apps',
      matchLabels: undefined,
      filter: "req.ref == 'refs/heads/main'",
    });
    expect(t._group).toBe('helm.toolkit.fluxcd.io');
    expect(t._plural).toBe('helmreleases');
  });

  test('by labels selects with name * and matchLabels', () => {
    const t = ReconcileTarget.byLabels(ReconcileTargetKind.OCI_REPOSITORY, { team: 'web' }, { namespace: 'apps' });
    expect(t._toSpec()).toMatchObject({ kind: 'OCIRepository', name: '*', matchLabels: { team: 'web' }, namespace: 'apps' });
    expect(ReconcileTarget.byLabels(ReconcileTargetKind.BUCKET, {}).matchLabels).toEqual({});
  });

  test('fromApiObject reads kind, apiVersion, name and namespace from a GitRepository construct or an L1', () => {
    const chart = Testing.chart();
    const repo = new GitRepository(chart, 'webapp', { url: 'https://github.com/org/webapp', metadata: { namespace: 'apps' } });
    expect(ReconcileTarget.fromApiObject(repo, { filter: 'true' })._toSpec()).toEqual({
      apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'GitRepository', name: repo.name, namespace: 'apps', matchLabels: undefined, filter: 'true',
    });
    const raw = new ApiObject(chart, 'ks', { apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization', metadata: { name: 'apps' } });
    expect(ReconcileTarget.fromApiObject(raw)._toSpec()).toMatchObject({ kind: 'Kustomization', name: 'apps', apiVersion: 'kustomize.toolkit.fluxcd.io/v1' });
  });

  test('fromApiObject takes the chart namespace when the object names none', () => {
    const nsChart = new Chart(Testing.app(), 'ns', { namespace: 'team-a' });
    const repo = new GitRepository(nsChart, 'webapp', { url: 'https://github.com/org/webapp' });
    expect(ReconcileTarget.fromApiObject(repo).namespace).toBe('team-a');
  });

  describe('validation', () => {
    test('fromApiObject of a kind Flux cannot reconcile', () => {
      const chart = Testing.chart();
      const deployment = new kplus.Deployment(chart, 'web', { containers: [{ image: 'nginx' }] });
      expect(() => ReconcileTarget.fromApiObject(deployment)).toThrow(/kind "Deployment" cannot be reconciled by a Flux receiver: use one of Bucket, GitRepository/);
    });

    test('wildcard name through byName', () => {
      expect(() => ReconcileTarget.gitRepository('*')).toThrow(/name "\*" selects by labels: use ReconcileTarget.byLabels\(ReconcileTargetKind.GIT_REPOSITORY/);
    });

    test('invalid names, namespaces, filters, apiVersions and labels', () => {
      expect(() => ReconcileTarget.gitRepository('Web_App')).toThrow(/GitRepository name "Web_App" is not a valid Kubernetes object name/);
      expect(() => ReconcileTarget.gitRepository('')).toThrow(/name "" is not a valid/);
      expect(() => ReconcileTarget.gitRepository('a', { namespace: 'Flux.System' })).toThrow(/namespace "Flux.System" is not a valid namespace name/);
      expect(() => ReconcileTarget.gitRepository('a', { filter: '  ' })).toThrow(/filter "  " is empty/);
      expect(() => ReconcileTarget.gitRepository('a', { apiVersion: 'v1beta2' })).toThrow(/apiVersion "v1beta2" is not group\/version: e.g. source.toolkit.fluxcd.io\/v1/);
      expect(() => ReconcileTarget.byLabels(ReconcileTargetKind.GIT_REPOSITORY, { team: 1 as any })).toThrow(/label "team" has value 1/);
      expect(() => ReconcileTarget.byName('Deployment' as ReconcileTargetKind, 'a')).toThrow(/kind "Deployment" cannot be reconciled/);
    });
  });
});
