import { ApiObject, JsonPatch, Testing } from 'cdk8s';
import { Node } from 'constructs';
import { TestReceiver } from './_expose-test-receiver';
import { ExposeViaLoadBalancer, ExternalTrafficPolicy, IWebhookReceiver } from '../../src';
import { createTestNamespace, dryRunApply, ManifestObject, manifestIds } from '../harness/kube';

describe('ExposeViaLoadBalancer', () => {
  test('defaults: a LoadBalancer Service in the receiver namespace, port 80 to the webhook port, selecting the receiver pods', () => {
    const chart = Testing.chart();
    const receiver = new TestReceiver(chart, 'Receiver', { podSelectorLabels: { 'app.kubernetes.io/name': 'flux-webhooks', 'app.kubernetes.io/instance': 'hooks' } });
    const lb = new ExposeViaLoadBalancer(chart, 'Public', { receiver });
    const [svc] = Testing.synth(chart);
    expect(svc.kind).toBe('Service');
    expect(svc.metadata.namespace).toBe('flux-system');
    expect(svc.metadata.name).toMatch(/^test-public-[0-9a-f]{8}$/);
    expect(svc.spec).toEqual({
      type: 'LoadBalancer',
      selector: { 'app.kubernetes.io/name': 'flux-webhooks', 'app.kubernetes.io/instance': 'hooks' },
      ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 9292 }],
    });
    expect(lb.port).toBe(80);
    expect(lb.namespace).toBe('flux-system');
  });

  test('a NetworkPolicy admits traffic from outside the cluster to the webhook port of the receiver pods', () => {
    const chart = Testing.chart();
    const receiver = new TestReceiver(chart, 'Receiver');
    const lb = new ExposeViaLoadBalancer(chart, 'Public', { receiver, loadBalancerSourceRanges: ['192.30.252.0/22'] });
    const [, policy] = Testing.synth(chart);
    expect(policy.kind).toBe('NetworkPolicy');
    expect(policy.metadata.namespace).toBe('flux-system');
    // With the default (Cluster) traffic policy packets come from node IPs: the LB enforces the ranges.
    expect(policy.spec).toEqual({
      podSelector: { matchLabels: { app: 'notification-controller' } },
      policyTypes: ['Ingress'],
      ingress: [{ from: [{ ipBlock: { cidr: '0.0.0.0/0' } }, { ipBlock: { cidr: '::/0' } }], ports: [{ protocol: 'TCP', port: 9292 }] }],
    });
    expect(lb.networkPolicy).toBeDefined();
  });

  test('with Local traffic policy the NetworkPolicy admits only the source ranges; networkPolicy: false leaves it out', () => {
    const chart = Testing.chart();
    const receiver = new TestReceiver(chart, 'Receiver');
    new ExposeViaLoadBalancer(chart, 'Local', { receiver, loadBalancerSourceRanges: ['192.30.252.0/22'], externalTrafficPolicy: ExternalTrafficPolicy.LOCAL });
    const none = new ExposeViaLoadBalancer(chart, 'NoPolicy', { receiver, networkPolicy: false });
    const objs = Testing.synth(chart);
    expect(objs.map((o) => o.kind)).toEqual(['Service', 'NetworkPolicy', 'Service']);
    expect(objs[1].spec.ingress[0].from).toEqual([{ ipBlock: { cidr: '192.30.252.0/22' } }]);
    expect(none.networkPolicy).toBeUndefined();
  });

  test('the apiserver accepts the Service and the NetworkPolicy (strict server-side dry run)', async () => {
    const ns = await createTestNamespace('expose-lb');
    const chart = Testing.chart();
    new ExposeViaLoadBalancer(chart, 'Public', {
      receiver: new TestReceiver(chart, 'Receiver', { namespace: ns }),
      loadBalancerSourceRanges: ['192.30.252.0/22', '2a0a:a440::/29'],
      externalTrafficPolicy: ExternalTrafficPolicy.LOCAL,
    });
    const objects = Testing.synth(chart);
    expect(await dryRunApply(objects)).toEqual(manifestIds(objects));
  });

  test('options: port, annotations, source ranges, external traffic policy', () => {
    const chart = Testing.chart();
    const receiver = new TestReceiver(chart, 'Receiver');
    new ExposeViaLoadBalancer(chart, 'Public', {
      receiver,
      port: 8080,
      metadata: { name: 'flux-webhook-lb', labels: { team: 'platform' } },
      annotations: { 'service.beta.kubernetes.io/aws-load-balancer-scheme': 'internet-facing' },
      loadBalancerSourceRanges: ['192.30.252.0/22', '2a0a:a440::/29'],
      externalTrafficPolicy: ExternalTrafficPolicy.LOCAL,
    });
    const [svc] = Testing.synth(chart);
    expect(svc.metadata).toEqual({
      name: 'flux-webhook-lb',
      namespace: 'flux-system',
      labels: { team: 'platform' },
      annotations: { 'service.beta.kubernetes.io/aws-load-balancer-scheme': 'internet-facing' },
    });
    expect(svc.spec.ports).toEqual([{ name: 'http', protocol: 'TCP', port: 8080, targetPort: 9292 }]);
    expect(svc.spec.loadBalancerSourceRanges).toEqual(['192.30.252.0/22', '2a0a:a440::/29']);
    expect(svc.spec.externalTrafficPolicy).toBe('Local');
  });

  test('snapshot', () => {
    const chart = Testing.chart();
    new ExposeViaLoadBalancer(chart, 'Public', { receiver: new TestReceiver(chart, 'Receiver'), loadBalancerSourceRanges: ['10.0.0.0/8'] });
    expect(Testing.synth(chart)).toMatchSnapshot();
  });

  test('defaultChild is the Service, exposed as apiObject', () => {
    const chart = Testing.chart();
    const lb = new ExposeViaLoadBalancer(chart, 'Public', { receiver: new TestReceiver(chart, 'Receiver') });
    expect((Node.of(lb).defaultChild as ApiObject).kind).toBe('Service');
    expect(Node.of(lb).defaultChild).toBe(lb.apiObject);
  });

  test('escape hatch patches survive synthesis', () => {
    const chart = Testing.chart();
    const lb = new ExposeViaLoadBalancer(chart, 'Public', { receiver: new TestReceiver(chart, 'Receiver') });
    ApiObject.of(lb).addJsonPatch(JsonPatch.add('/spec/allocateLoadBalancerNodePorts', false));
    expect(Testing.synth(chart)[0].spec.allocateLoadBalancerNodePorts).toBe(false);
  });

  describe('validation', () => {
    const make = (props: Partial<ConstructorParameters<typeof ExposeViaLoadBalancer>[2]>, receiverOpts: Partial<IWebhookReceiver> = {}) => {
      const chart = Testing.chart();
      return () => new ExposeViaLoadBalancer(chart, 'Public', { receiver: new TestReceiver(chart, 'Receiver', receiverOpts), ...props });
    };
    test('port out of range', () => {
      expect(make({ port: 70000 })).toThrow('test/Public: port 70000 is not a valid port; use an integer from 1 to 65535');
      expect(make({ port: 80.5 })).toThrow(/port 80.5 is not a valid port/);
    });
    test('CIDR without prefix length gets a hint', () => {
      expect(make({ loadBalancerSourceRanges: ['192.30.252.1'] })).toThrow('loadBalancerSourceRanges "192.30.252.1" is not a valid CIDR. Did you mean "192.30.252.1/32"?');
      expect(make({ loadBalancerSourceRanges: ['300.1.1.1/8'] })).toThrow(/"300.1.1.1\/8" is not a valid CIDR/);
      expect(make({ loadBalancerSourceRanges: ['github'] })).toThrow(/"github" is not a valid CIDR. Use a CIDR such as/);
    });
    test('CIDR with host bits set gets the network address', () => {
      expect(make({ loadBalancerSourceRanges: ['192.30.252.0/22', '192.30.252.1/22'] }))
        .toThrow('test/Public: loadBalancerSourceRanges "192.30.252.1/22" has host bits set (the apiserver rejects it); use the network address "192.30.252.0/22"');
      expect(make({ loadBalancerSourceRanges: ['140.82.121.4/20'] })).toThrow(/"140.82.121.4\/20" has host bits set .*"140.82.112.0\/20"/);
      expect(make({ loadBalancerSourceRanges: ['2a0a:a440::1/29'] })).toThrow(/"2a0a:a440::1\/29" has host bits set .*"2a0a:a440::\/29"/);
      expect(make({ loadBalancerSourceRanges: ['2001:db8:0:1::/48'] })).toThrow(/use the network address "2001:db8::\/48"/);
      expect(make({ loadBalancerSourceRanges: ['2001:db8::1::2/64'] })).toThrow(/"2001:db8::1::2\/64" is not a valid CIDR/);
      expect(make({ loadBalancerSourceRanges: ['10.0.0.7/32', '0.0.0.0/0', '2001:db8::/32', '::/0', '2001:db8::7/128'] })).not.toThrow();
    });
    test('the apiserver itself rejects a source range with host bits (why the check exists)', async () => {
      const ns = await createTestNamespace('lb-hostbits');
      const service = {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'hostbits', namespace: ns },
        spec: { type: 'LoadBalancer', loadBalancerSourceRanges: ['192.30.252.1/22'], ports: [{ port: 80 }] },
      } as ManifestObject;
      await expect(dryRunApply([service])).rejects.toThrow(/192\.30\.252\.1\/22/);
      const network = { ...service, spec: { ...(service as any).spec, loadBalancerSourceRanges: ['192.30.252.0/22'] } } as ManifestObject;
      expect(await dryRunApply([network])).toEqual(manifestIds([network]));
    });
    test('invalid annotation key', () => {
      expect(make({ annotations: { 'bad key': 'x' } })).toThrow('test/Public: annotations has an invalid annotation key "bad key"');
    });
    test('conflicting metadata.namespace', () => {
      expect(make({ metadata: { namespace: 'default' } })).toThrow('metadata.namespace "default" conflicts with "flux-system": a Service can only select pods in its own namespace; omit metadata.namespace');
    });
    test('receiver without pod labels', () => {
      expect(make({}, { podSelectorLabels: {} })).toThrow(/receiver.podSelectorLabels is empty, so the Service would select no pods/);
    });
    test('receiver with an invalid Service name or port', () => {
      expect(make({}, { serviceName: 'Webhook_Receiver' })).toThrow('test/Public: receiver.serviceName "Webhook_Receiver" is not a valid Kubernetes object name');
      expect(make({}, { servicePort: 0 })).toThrow('test/Public: receiver.servicePort 0 is not a valid port');
      expect(make({}, { webhookPort: 70000 })).toThrow('test/Public: receiver.webhookPort 70000 is not a valid port');
    });
    test('receiver with an invalid namespace or label', () => {
      expect(make({}, { namespace: 'Flux_System' })).toThrow('receiver.namespace "Flux_System" is not a valid namespace name');
      expect(make({}, { podSelectorLabels: { app: 'not ok' } })).toThrow('receiver.podSelectorLabels has an invalid value "not ok" for label "app"');
    });
  });
});
