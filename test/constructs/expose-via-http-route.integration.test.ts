import { ApiObject, Testing } from 'cdk8s';
import { Node } from 'constructs';
import { TestReceiver } from './_expose-test-receiver';
import { ExposeViaHttpRoute, HttpRoutePathMatch } from '../../src';
import { createTestNamespace, dryRunApply, manifestIds } from '../harness/kube';

const gateway = { name: 'public', namespace: 'gateway-system', sectionName: 'https' };

describe('ExposeViaHttpRoute', () => {
  test('same namespace: an HTTPRoute v1 with PathPrefix /hook/ to the receiver Service, and no ReferenceGrant', () => {
    const chart = Testing.chart();
    const route = new ExposeViaHttpRoute(chart, 'Route', {
      receiver: new TestReceiver(chart, 'Receiver'),
      parentRefs: [gateway],
      hostnames: ['flux-webhook.example.com'],
    });
    const objs = Testing.synth(chart);
    expect(objs).toHaveLength(1);
    const [obj] = objs;
    expect(obj.apiVersion).toBe('gateway.networking.k8s.io/v1');
    expect(obj.kind).toBe('HTTPRoute');
    expect(obj.metadata).toEqual({ name: expect.stringMatching(/^test-route-[0-9a-f]{8}$/), namespace: 'flux-system' });
    expect(obj.spec).toEqual({
      parentRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'public', namespace: 'gateway-system', sectionName: 'https' }],
      hostnames: ['flux-webhook.example.com'],
      rules: [{
        matches: [{ path: { type: 'PathPrefix', value: '/hook/' } }],
        backendRefs: [{ group: '', kind: 'Service', name: 'webhook-receiver', port: 80 }],
      }],
    });
    expect(route.referenceGrant).toBeUndefined();
    expect(route.namespace).toBe('flux-system');
  });

  test('another namespace: the backendRef names the Service namespace and a ReferenceGrant there admits exactly this route namespace and Service', () => {
    const chart = Testing.chart();
    const route = new ExposeViaHttpRoute(chart, 'Route', {
      receiver: new TestReceiver(chart, 'Receiver'),
      parentRefs: [{ name: 'public', port: 443 }],
      namespace: 'gateway-system',
    });
    const [obj, grant] = Testing.synth(chart);
    expect(obj.metadata.namespace).toBe('gateway-system');
    expect(obj.spec.parentRefs).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'public', port: 443 }]);
    expect(obj.spec.hostnames).toBeUndefined();
    expect(obj.spec.rules[0].backendRefs).toEqual([{ group: '', kind: 'Service', name: 'webhook-receiver', namespace: 'flux-system', port: 80 }]);
    expect(grant.kind).toBe('ReferenceGrant');
    expect(grant.apiVersion).toBe('gateway.networking.k8s.io/v1');
    expect(grant.metadata.namespace).toBe('flux-system');
    expect(grant.spec).toEqual({
      from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'gateway-system' }],
      to: [{ group: '', kind: 'Service', name: 'webhook-receiver' }],
    });
    expect(route.referenceGrant).toBeDefined();
  });

  test('exact path match for one receiver', () => {
    const chart = Testing.chart();
    new ExposeViaHttpRoute(chart, 'Route', {
      receiver: new TestReceiver(chart, 'Receiver'),
      parentRefs: [gateway],
      path: '/hook/6a3f0e',
      pathMatch: HttpRoutePathMatch.EXACT,
    });
    expect(Testing.synth(chart)[0].spec.rules[0].matches).toEqual([{ path: { type: 'Exact', value: '/hook/6a3f0e' } }]);
  });

  test('snapshot (cross-namespace)', () => {
    const chart = Testing.chart();
    new ExposeViaHttpRoute(chart, 'Route', {
      receiver: new TestReceiver(chart, 'Receiver'),
      parentRefs: [gateway],
      namespace: 'gateway-system',
      hostnames: ['flux-webhook.example.com'],
    });
    expect(Testing.synth(chart)).toMatchSnapshot();
  });

  test('defaultChild is the HTTPRoute, exposed as apiObject', () => {
    const chart = Testing.chart();
    const route = new ExposeViaHttpRoute(chart, 'Route', { receiver: new TestReceiver(chart, 'Receiver'), parentRefs: [gateway] });
    expect((Node.of(route).defaultChild as ApiObject).kind).toBe('HTTPRoute');
    expect(Node.of(route).defaultChild).toBe(route.apiObject);
  });

  test('the apiserver accepts the HTTPRoute and the ReferenceGrant (Gateway API CRDs, strict server-side dry run)', async () => {
    const receiverNs = await createTestNamespace('expose-route-svc');
    const routeNs = await createTestNamespace('expose-route-gw');
    const chart = Testing.chart();
    new ExposeViaHttpRoute(chart, 'Route', {
      receiver: new TestReceiver(chart, 'Receiver', { namespace: receiverNs }),
      parentRefs: [{ name: 'public', sectionName: 'https', port: 443 }],
      namespace: routeNs,
      hostnames: ['flux-webhook.example.com', '*.hooks.example.com'],
    });
    const objs = Testing.synth(chart);
    expect(objs.map((o) => o.kind)).toEqual(['HTTPRoute', 'ReferenceGrant']);
    expect(await dryRunApply(objs)).toEqual(manifestIds(objs));
  });

  describe('validation', () => {
    const make = (props: Partial<ConstructorParameters<typeof ExposeViaHttpRoute>[2]>) => {
      const chart = Testing.chart();
      return () => new ExposeViaHttpRoute(chart, 'Route', { receiver: new TestReceiver(chart, 'Receiver'), parentRefs: [gateway], ...props });
    };
    test('no parentRefs', () => {
      expect(make({ parentRefs: [] })).toThrow('test/Route: parentRefs is empty, so the route would attach to no Gateway');
    });
    test('bad parentRef fields', () => {
      expect(make({ parentRefs: [{ name: 'Public' }] })).toThrow('parentRefs[0].name "Public" is not a valid Kubernetes object name');
      expect(make({ parentRefs: [gateway, { name: 'p', namespace: 'gw.system' }] })).toThrow('parentRefs[1].namespace "gw.system" is not a valid namespace name');
      expect(make({ parentRefs: [{ name: 'p', sectionName: 'HTTPS' }] })).toThrow('parentRefs[0].sectionName "HTTPS" is not a valid Kubernetes object name');
      expect(make({ parentRefs: [{ name: 'p', port: 0 }] })).toThrow('parentRefs[0].port 0 is not a valid port');
    });
    test('hostnames and path', () => {
      expect(make({ hostnames: ['ok.example.com', 'flux.example.com:443'] })).toThrow('hostnames[1] "flux.example.com:443" is not a valid host name');
      expect(make({ path: '/api/hooks' })).toThrow('path "/api/hooks" would not reach the receiver');
      expect(make({ pathMatch: HttpRoutePathMatch.EXACT })).toThrow('pathMatch EXACT with path "/hook/" matches no webhook URL');
    });
    test('annotation keys', () => {
      expect(make({ metadata: { annotations: { 'a b': 'c' } } })).toThrow('test/Route: metadata.annotations has an invalid annotation key "a b"');
    });
    test('namespace', () => {
      expect(make({ namespace: 'Gateway' })).toThrow('test/Route: namespace "Gateway" is not a valid namespace name');
      expect(make({ namespace: 'gw', metadata: { namespace: 'other' } })).toThrow('metadata.namespace "other" conflicts with "gw": the HTTPRoute\'s namespace is set with the namespace prop');
    });
  });
});
