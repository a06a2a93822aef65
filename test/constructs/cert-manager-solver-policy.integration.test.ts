import { ApiObject, Testing } from 'cdk8s';
import { Node } from 'constructs';
import { TestReceiver } from './_expose-test-receiver';
import { CertManagerSolverPolicy, SolverTrafficSource } from '../../src';
import { createTestNamespace, dryRunApply, manifestIds } from '../harness/kube';

describe('CertManagerSolverPolicy', () => {
  test('defaults: solver pods in the receiver namespace admit TCP 8089 from namespaces labelled as cert-manager, and the ingress controller', () => {
    const chart = Testing.chart();
    const policy = new CertManagerSolverPolicy(chart, 'Solver', { receiver: new TestReceiver(chart, 'Receiver'), ingressControllers: [SolverTrafficSource.namespace('ingress-nginx')] });
    const [obj] = Testing.synth(chart);
    expect(obj.apiVersion).toBe('networking.k8s.io/v1');
    expect(obj.kind).toBe('NetworkPolicy');
    expect(obj.metadata).toEqual({ name: expect.stringMatching(/^test-solver-[0-9a-f]{8}$/), namespace: 'flux-system' });
    expect(obj.spec).toEqual({
      podSelector: { matchLabels: { 'acme.cert-manager.io/http01-solver': 'true' } },
      policyTypes: ['Ingress'],
      ingress: [{
        from: [
          { namespaceSelector: { matchLabels: { 'app.kubernetes.io/instance': 'cert-manager' } } },
          { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } },
        ],
        ports: [{ protocol: 'TCP', port: 8089 }],
      }],
    });
    expect(policy.namespace).toBe('flux-system');
  });

  test('ingress controllers by namespace name and pod labels, next to cert-manager', () => {
    const chart = Testing.chart();
    new CertManagerSolverPolicy(chart, 'Solver', {
      receiver: new TestReceiver(chart, 'Receiver'),
      ingressControllers: [
        SolverTrafficSource.namespace('ingress-nginx', { podLabels: { 'app.kubernetes.io/name': 'ingress-nginx' } }),
        SolverTrafficSource.namespacesLabelled({ 'example.com/ingress': 'true' }),
      ],
    });
    expect(Testing.synth(chart)[0].spec.ingress[0].from).toEqual([
      { namespaceSelector: { matchLabels: { 'app.kubernetes.io/instance': 'cert-manager' } } },
      {
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } },
        podSelector: { matchLabels: { 'app.kubernetes.io/name': 'ingress-nginx' } },
      },
      { namespaceSelector: { matchLabels: { 'example.com/ingress': 'true' } } },
    ]);
  });

  test('allNamespaces() renders an empty namespaceSelector (every namespace), unlike an absent one (this namespace only)', () => {
    const chart = Testing.chart();
    new CertManagerSolverPolicy(chart, 'Solver', {
      receiver: new TestReceiver(chart, 'Receiver'),
      certManager: [SolverTrafficSource.namespace('cert-manager')],
      ingressControllers: [SolverTrafficSource.allNamespaces({ podLabels: { 'app.kubernetes.io/name': 'traefik' } })],
      solverPort: 8090,
    });
    const spec = Testing.synth(chart)[0].spec;
    expect(spec.ingress[0].from[1]).toEqual({ namespaceSelector: {}, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'traefik' } } });
    expect(spec.ingress[0].from[1]).toHaveProperty('namespaceSelector');
    expect(spec.ingress[0].ports).toEqual([{ protocol: 'TCP', port: 8090 }]);
  });

  test('snapshot', () => {
    const chart = Testing.chart();
    new CertManagerSolverPolicy(chart, 'Solver', {
      receiver: new TestReceiver(chart, 'Receiver'),
      ingressControllers: [SolverTrafficSource.namespace('ingress-nginx')],
    });
    expect(Testing.synth(chart)).toMatchSnapshot();
  });

  test('defaultChild is the NetworkPolicy, exposed as apiObject', () => {
    const chart = Testing.chart();
    const policy = new CertManagerSolverPolicy(chart, 'Solver', { receiver: new TestReceiver(chart, 'Receiver'), ingressControllers: [SolverTrafficSource.namespace('ingress-nginx')] });
    expect((Node.of(policy).defaultChild as ApiObject).kind).toBe('NetworkPolicy');
    expect(Node.of(policy).defaultChild).toBe(policy.apiObject);
  });

  test('the apiserver accepts the NetworkPolicy (strict server-side dry run)', async () => {
    const ns = await createTestNamespace('solver-policy');
    const chart = Testing.chart();
    new CertManagerSolverPolicy(chart, 'Solver', {
      receiver: new TestReceiver(chart, 'Receiver', { namespace: ns }),
      ingressControllers: [SolverTrafficSource.namespace('ingress-nginx'), SolverTrafficSource.allNamespaces({ podLabels: { app: 'traefik' } })],
    });
    const objects = Testing.synth(chart);
    expect(await dryRunApply(objects)).toEqual(manifestIds(objects));
  });

  describe('validation', () => {
    const make = (props: Partial<ConstructorParameters<typeof CertManagerSolverPolicy>[2]>) => {
      const chart = Testing.chart();
      return () => new CertManagerSolverPolicy(chart, 'Solver', { receiver: new TestReceiver(chart, 'Receiver'), ingressControllers: [SolverTrafficSource.namespace('ingress-nginx')], ...props });
    };
    test('no ingress controller: the challenge could never reach the solver', () => {
      expect(make({ ingressControllers: [] })).toThrow('test/Solver: ingressControllers [] admits no ingress controller, but the HTTP-01 challenge reaches the solver through it, so the certificate would never be issued; give where it runs, e.g. [SolverTrafficSource.namespace("ingress-nginx")]');
      expect(make({ ingressControllers: undefined })).toThrow(/test\/Solver: ingressControllers undefined admits no ingress controller/);
    });
    test('selectors that would silently select every namespace or every pod', () => {
      expect(make({ ingressControllers: [SolverTrafficSource.namespacesLabelled({})] }))
        .toThrow('test/Solver: ingressControllers[0] namespacesLabelled() has no labels, which would select every namespace; pass labels, or use SolverTrafficSource.allNamespaces() on purpose');
      expect(make({ ingressControllers: [SolverTrafficSource.namespace('ingress-nginx', { podLabels: {} })] }))
        .toThrow('ingressControllers[0] namespace("ingress-nginx") podLabels is empty; omit podLabels to admit every pod of the namespace');
    });
    test('bad namespace names and labels', () => {
      expect(make({ ingressControllers: [SolverTrafficSource.namespace('Ingress_Nginx')] })).toThrow('ingressControllers[0] namespace("Ingress_Nginx") "Ingress_Nginx" is not a valid namespace name');
      expect(make({ certManager: [SolverTrafficSource.namespacesLabelled({ 'bad key!': 'x' })] })).toThrow('certManager[0] namespacesLabelled() namespace labels has an invalid label key "bad key!"');
      expect(make({ ingressControllers: [SolverTrafficSource.allNamespaces({ podLabels: { app: 'in gress' } })] })).toThrow('podLabels has an invalid value "in gress" for label "app"');
    });
    test('port and namespace', () => {
      expect(make({ solverPort: 0 })).toThrow('test/Solver: solverPort 0 is not a valid port');
      expect(make({ metadata: { namespace: 'cert-manager' } })).toThrow('metadata.namespace "cert-manager" conflicts with "flux-system"');
    });
  });
});
