import { ApiObject, Testing } from 'cdk8s';
import { HttpIngressPathType } from 'cdk8s-plus-28';
import { Node } from 'constructs';
import { TestReceiver } from './_expose-test-receiver';
import { ExposeViaIngress, IngressTls } from '../../src';
import { createTestNamespace, dryRunApply, manifestIds } from '../harness/kube';

const backend = { service: { name: 'webhook-receiver', port: { number: 80 } } };

describe('ExposeViaIngress', () => {
  test('defaults: one rule, path /hook/ (Prefix) to the receiver Service, in the receiver namespace, no TLS', () => {
    const chart = Testing.chart();
    const ing = new ExposeViaIngress(chart, 'Ingress', { receiver: new TestReceiver(chart, 'Receiver') });
    const [obj] = Testing.synth(chart);
    expect(obj.apiVersion).toBe('networking.k8s.io/v1');
    expect(obj.kind).toBe('Ingress');
    expect(obj.metadata).toEqual({ name: expect.stringMatching(/^test-ingress-[0-9a-f]{8}$/), namespace: 'flux-system' });
    expect(obj.spec).toEqual({ rules: [{ http: { paths: [{ path: '/hook/', pathType: 'Prefix', backend }] } }] });
    expect(ing.path).toBe('/hook/');
    expect(ing.tlsSecretName).toBeUndefined();
  });

  test('host, class, annotations and TLS from an existing Secret', () => {
    const chart = Testing.chart();
    new ExposeViaIngress(chart, 'Ingress', {
      receiver: new TestReceiver(chart, 'Receiver'),
      host: 'flux-webhook.example.com',
      ingressClassName: 'nginx',
      annotations: { 'nginx.ingress.kubernetes.io/ssl-redirect': 'true' },
      tls: IngressTls.fromSecret('webhook-cert'),
    });
    const [obj] = Testing.synth(chart);
    expect(obj.metadata.annotations).toEqual({ 'nginx.ingress.kubernetes.io/ssl-redirect': 'true' });
    expect(obj.spec).toEqual({
      ingressClassName: 'nginx',
      tls: [{ hosts: ['flux-webhook.example.com'], secretName: 'webhook-cert' }],
      rules: [{ host: 'flux-webhook.example.com', http: { paths: [{ path: '/hook/', pathType: 'Prefix', backend }] } }],
    });
  });

  test('cert-manager ClusterIssuer: annotation and TLS block together, secret name <ingress name>-tls', () => {
    const chart = Testing.chart();
    const ing = new ExposeViaIngress(chart, 'Ingress', {
      receiver: new TestReceiver(chart, 'Receiver'),
      host: 'flux-webhook.example.com',
      tls: IngressTls.certManagerClusterIssuer('letsencrypt'),
    });
    const [obj] = Testing.synth(chart);
    expect(obj.metadata.annotations).toEqual({ 'cert-manager.io/cluster-issuer': 'letsencrypt' });
    expect(obj.metadata.name).toMatch(/^test-ingress-c8[0-9a-f]{6}$/);
    expect(ing.tlsSecretName).toBe(`${obj.metadata.name}-tls`);
    expect(obj.spec.tls).toEqual([{ hosts: ['flux-webhook.example.com'], secretName: ing.tlsSecretName }]);
  });

  test('the default TLS Secret follows the Ingress name', () => {
    const chart = Testing.chart();
    const ing = new ExposeViaIngress(chart, 'Ingress', {
      receiver: new TestReceiver(chart, 'Receiver'),
      metadata: { name: 'webhook-receiver' },
      host: 'flux-webhook.example.com',
      tls: IngressTls.certManagerIssuer('acme'),
    });
    expect(ing.tlsSecretName).toBe('webhook-receiver-tls');
    expect(Testing.synth(chart)[0].spec.tls).toEqual([{ hosts: ['flux-webhook.example.com'], secretName: 'webhook-receiver-tls' }]);
  });

  test('cert-manager Issuer with an explicit secret name, next to other annotations', () => {
    const chart = Testing.chart();
    new ExposeViaIngress(chart, 'Ingress', {
      receiver: new TestReceiver(chart, 'Receiver'),
      host: 'hooks.example.com',
      annotations: { 'nginx.ingress.kubernetes.io/proxy-body-size': '10m' },
      tls: IngressTls.certManagerIssuer('acme', { secretName: 'hooks-tls' }),
    });
    const [obj] = Testing.synth(chart);
    expect(obj.metadata.annotations).toEqual({ 'cert-manager.io/issuer': 'acme', 'nginx.ingress.kubernetes.io/proxy-body-size': '10m' });
    expect(obj.spec.tls).toEqual([{ hosts: ['hooks.example.com'], secretName: 'hooks-tls' }]);
  });

  test('path and pathType options', () => {
    const chart = Testing.chart();
    new ExposeViaIngress(chart, 'A', { receiver: new TestReceiver(chart, 'R'), path: '/' });
    new ExposeViaIngress(chart, 'B', { receiver: new TestReceiver(chart, 'R2'), path: '/hook/0123abcd', pathType: HttpIngressPathType.EXACT });
    const [a, b] = Testing.synth(chart);
    expect(a.spec.rules[0].http.paths[0]).toEqual({ path: '/', pathType: 'Prefix', backend });
    expect(b.spec.rules[0].http.paths[0]).toEqual({ path: '/hook/0123abcd', pathType: 'Exact', backend });
  });

  test('snapshot', () => {
    const chart = Testing.chart();
    new ExposeViaIngress(chart, 'Ingress', {
      receiver: new TestReceiver(chart, 'Receiver'),
      host: 'flux-webhook.example.com',
      ingressClassName: 'nginx',
      tls: IngressTls.certManagerClusterIssuer('letsencrypt'),
    });
    expect(Testing.synth(chart)).toMatchSnapshot();
  });

  test('defaultChild is the Ingress, exposed as apiObject', () => {
    const chart = Testing.chart();
    const ing = new ExposeViaIngress(chart, 'Ingress', { receiver: new TestReceiver(chart, 'Receiver') });
    expect((Node.of(ing).defaultChild as ApiObject).kind).toBe('Ingress');
    expect(Node.of(ing).defaultChild).toBe(ing.apiObject);
  });

  test('the apiserver accepts the Ingress (strict server-side dry run)', async () => {
    const ns = await createTestNamespace('expose-ingress');
    const chart = Testing.chart();
    new ExposeViaIngress(chart, 'Ingress', {
      receiver: new TestReceiver(chart, 'Receiver', { namespace: ns }),
      host: 'flux-webhook.example.com',
      ingressClassName: 'nginx',
      tls: IngressTls.certManagerClusterIssuer('letsencrypt'),
    });
    const objects = Testing.synth(chart);
    expect(await dryRunApply(objects)).toEqual(manifestIds(objects));
  });

  describe('validation', () => {
    const make = (props: Partial<ConstructorParameters<typeof ExposeViaIngress>[2]>) => {
      const chart = Testing.chart();
      return () => new ExposeViaIngress(chart, 'Ingress', { receiver: new TestReceiver(chart, 'Receiver'), ...props });
    };
    test('host', () => {
      expect(make({ host: 'https://flux.example.com' })).toThrow('test/Ingress: host "https://flux.example.com" is not a valid host name; use a lowercase DNS name');
      expect(make({ host: 'Flux.Example.com' })).toThrow(/host "Flux.Example.com" is not a valid host name/);
      expect(make({ host: '10.0.0.1' })).toThrow(/host "10.0.0.1" is not a valid host name/);
    });
    test('path', () => {
      expect(make({ path: 'hook/' })).toThrow('path "hook/" must be an absolute URL path starting with "/"');
      expect(make({ path: '/webhooks' })).toThrow('path "/webhooks" would not reach the receiver, which serves webhooks at "/hook/<digest>"');
      expect(make({ path: '/hook/', pathType: HttpIngressPathType.EXACT })).toThrow('pathType EXACT with path "/hook/" matches no webhook URL');
    });
    test('TLS without host', () => {
      expect(make({ tls: IngressTls.fromSecret('cert') })).toThrow('test/Ingress: tls needs a host');
    });
    test('bad secret, issuer and class names', () => {
      expect(make({ host: 'a.example.com', tls: IngressTls.fromSecret('Cert_1') })).toThrow('tls secretName "Cert_1" is not a valid Kubernetes object name');
      expect(make({ host: 'a.example.com', tls: IngressTls.certManagerClusterIssuer('Lets Encrypt') })).toThrow('tls issuer (cert-manager.io/cluster-issuer) "Lets Encrypt" is not a valid Kubernetes object name');
      expect(make({ ingressClassName: 'NGINX' })).toThrow('ingressClassName "NGINX" is not a valid Kubernetes object name');
    });
    test('an issuer annotation next to cert-manager TLS', () => {
      expect(make({ host: 'a.example.com', annotations: { 'cert-manager.io/issuer': 'stale' }, tls: IngressTls.certManagerClusterIssuer('le') }))
        .toThrow('annotation "cert-manager.io/issuer: stale" conflicts with tls, which sets the cert-manager issuer');
      expect(make({ host: 'a.example.com', metadata: { annotations: { 'cert-manager.io/cluster-issuer': 'x' } }, tls: IngressTls.certManagerIssuer('le') }))
        .toThrow(/annotation "cert-manager.io\/cluster-issuer: x" conflicts with tls/);
    });
    test('annotation key and conflicting namespace', () => {
      expect(make({ annotations: { '/ssl': 'x' } })).toThrow('annotations has an invalid annotation key "/ssl"');
      expect(make({ metadata: { namespace: 'ingress-nginx' } })).toThrow('metadata.namespace "ingress-nginx" conflicts with "flux-system"');
    });
  });
});
