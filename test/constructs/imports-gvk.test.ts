// Each generated L1 must carry the apiVersion the library means: cdk8s import gives the bare
// class name to the first version listed in a CRD, which is not always the served one.
import * as gateway from '../../src/imports/gateway.networking.k8s.io';
import * as helm from '../../src/imports/helm.toolkit.fluxcd.io';
import * as image from '../../src/imports/image.toolkit.fluxcd.io';
import * as kustomize from '../../src/imports/kustomize.toolkit.fluxcd.io';
import * as monitoring from '../../src/imports/monitoring.coreos.com';
import * as notification from '../../src/imports/notification.toolkit.fluxcd.io';
import * as sourceExt from '../../src/imports/source.extensions.fluxcd.io';
import * as source from '../../src/imports/source.toolkit.fluxcd.io';
import { CURRENT_API_VERSIONS } from '../../src/model';

const expected: Array<[string, { GVK: { apiVersion: string; kind: string } }, string, string]> = [
  ['Receiver', notification.Receiver, 'notification.toolkit.fluxcd.io/v1', 'Receiver'],
  ['GitRepository', source.GitRepository, 'source.toolkit.fluxcd.io/v1', 'GitRepository'],
  ['OciRepository', source.OciRepository, 'source.toolkit.fluxcd.io/v1', 'OCIRepository'],
  ['HelmRepository', source.HelmRepository, 'source.toolkit.fluxcd.io/v1', 'HelmRepository'],
  ['HelmChart', source.HelmChart, 'source.toolkit.fluxcd.io/v1', 'HelmChart'],
  ['Bucket', source.Bucket, 'source.toolkit.fluxcd.io/v1', 'Bucket'],
  ['ExternalArtifact', source.ExternalArtifact, 'source.toolkit.fluxcd.io/v1', 'ExternalArtifact'],
  ['ArtifactGenerator', sourceExt.ArtifactGenerator, 'source.extensions.fluxcd.io/v1beta1', 'ArtifactGenerator'],
  ['ImageRepository', image.ImageRepository, 'image.toolkit.fluxcd.io/v1', 'ImageRepository'],
  ['ImagePolicy', image.ImagePolicy, 'image.toolkit.fluxcd.io/v1', 'ImagePolicy'],
  ['ImageUpdateAutomation', image.ImageUpdateAutomation, 'image.toolkit.fluxcd.io/v1', 'ImageUpdateAutomation'],
  ['Kustomization', kustomize.Kustomization, 'kustomize.toolkit.fluxcd.io/v1', 'Kustomization'],
  ['HelmRelease', helm.HelmRelease, 'helm.toolkit.fluxcd.io/v2', 'HelmRelease'],
  ['HttpRoute', gateway.HttpRoute, 'gateway.networking.k8s.io/v1', 'HTTPRoute'],
  ['Gateway', gateway.Gateway, 'gateway.networking.k8s.io/v1', 'Gateway'],
  ['GatewayClass', gateway.GatewayClass, 'gateway.networking.k8s.io/v1', 'GatewayClass'],
  ['ReferenceGrant', gateway.ReferenceGrant, 'gateway.networking.k8s.io/v1', 'ReferenceGrant'],
  ['HttpRouteV1Beta1', gateway.HttpRouteV1Beta1, 'gateway.networking.k8s.io/v1beta1', 'HTTPRoute'],
  ['GatewayV1Beta1', gateway.GatewayV1Beta1, 'gateway.networking.k8s.io/v1beta1', 'Gateway'],
  ['GatewayClassV1Beta1', gateway.GatewayClassV1Beta1, 'gateway.networking.k8s.io/v1beta1', 'GatewayClass'],
  ['ReferenceGrantV1Beta1', gateway.ReferenceGrantV1Beta1, 'gateway.networking.k8s.io/v1beta1', 'ReferenceGrant'],
  ['PodMonitor', monitoring.PodMonitor, 'monitoring.coreos.com/v1', 'PodMonitor'],
  ['ServiceMonitor', monitoring.ServiceMonitor, 'monitoring.coreos.com/v1', 'ServiceMonitor'],
  ['PrometheusRule', monitoring.PrometheusRule, 'monitoring.coreos.com/v1', 'PrometheusRule'],
];

describe('generated imports', () => {
  test.each(expected)('%s has GVK %s', (_name, cls, apiVersion, kind) => {
    expect(cls.GVK).toEqual({ apiVersion, kind });
  });

  test('the Flux kinds match the model table the constructs write', () => {
    const flux = expected.filter(([, cls]) => cls.GVK.apiVersion.includes('fluxcd.io') && cls.GVK.kind !== 'Receiver');
    expect(Object.fromEntries(flux.map(([, cls]) => [cls.GVK.kind, cls.GVK.apiVersion]))).toEqual(CURRENT_API_VERSIONS);
  });
});
