import { Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Autoscaling, WebhookReceiver, WebhookReceiverProps } from '../../src';
import { createTestNamespace, dryRunApply, ManifestObject, manifestIds } from '../harness/kube';

type Manifest = ManifestObject & { metadata: any; spec?: any };

function synth(props: WebhookReceiverProps): Manifest[] {
  const chart = Testing.chart();
  new WebhookReceiver(chart, 'Receiver', props);
  return Testing.synth(chart) as Manifest[];
}

describe('WebhookReceiver autoscaling', () => {
  test('off by default: a fixed replica count and no autoscaler', () => {
    const manifests = synth({ replicas: 3 });
    expect(manifests.filter((m) => m.kind === 'HorizontalPodAutoscaler')).toEqual([]);
    expect(manifests.find((m) => m.kind === 'Deployment')!.spec.replicas).toBe(3);
  });

  test('an autoscaler on CPU from replicas to maxReplicas over the Deployment, which leaves the count to it', () => {
    const manifests = synth({ replicas: 2, autoscaling: { maxReplicas: 8 } });
    const deployment = manifests.find((m) => m.kind === 'Deployment')!;
    const hpa = manifests.find((m) => m.kind === 'HorizontalPodAutoscaler')!;
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.metadata.namespace).toBe(deployment.metadata.namespace);
    expect(hpa.spec).toEqual({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: deployment.metadata.name },
      minReplicas: 2,
      maxReplicas: 8,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 75 } } }],
    });
    // Applying the Deployment again (a Flux reconcile) must not reset what the autoscaler chose.
    expect(deployment.spec.replicas).toBeUndefined();
    // Utilization is measured against the container's CPU request.
    expect(deployment.spec.template.spec.containers[0].resources.requests.cpu).toBeDefined();
  });

  test('cpuUtilization reaches the autoscaler', () => {
    const hpa = synth({ autoscaling: { maxReplicas: 4, cpuUtilization: 60 } }).find((m) => m.kind === 'HorizontalPodAutoscaler')!;
    expect(hpa.spec.metrics[0].resource.target.averageUtilization).toBe(60);
  });

  test.each<[string, Partial<WebhookReceiverProps> & { autoscaling: Autoscaling }, RegExp]>([
    ['maxReplicas not above replicas', { replicas: 3, autoscaling: { maxReplicas: 3 } }, /autoscaling\.maxReplicas 3 must be a whole number above replicas \(3\), the autoscaler's minimum: e\.g\. 9/],
    ['a fractional maxReplicas', { autoscaling: { maxReplicas: 4.5 } }, /autoscaling\.maxReplicas 4\.5 must be a whole number/],
    ['a utilization over 100', { autoscaling: { maxReplicas: 4, cpuUtilization: 150 } }, /autoscaling\.cpuUtilization 150 must be a whole percentage of the CPU request from 1 to 100/],
    ['no CPU request', { resources: { cpu: { limit: kplus.Cpu.units(1) } }, autoscaling: { maxReplicas: 4 } }, /autoscaling needs a CPU request to measure utilization against: set resources\.cpu\.request/],
    ['a snake_case key', { autoscaling: { max_replicas: 4 } as any }, /autoscaling has an unknown key "max_replicas": use "maxReplicas"/],
  ])('%s fails at synth time naming the construct and the field', (_name, props, message) => {
    expect(() => synth(props)).toThrow(message);
    expect(() => synth(props)).toThrow(/WebhookReceiver test\/Receiver: autoscaling/);
  });

  test('the apiserver accepts the autoscaler and the Deployment without replicas (strict server-side dry run)', async () => {
    const ns = await createTestNamespace('autoscaling');
    const objects = synth({ namespace: ns, autoscaling: { maxReplicas: 6, cpuUtilization: 70 } });
    expect(await dryRunApply(objects)).toEqual(manifestIds(objects));
  });
});
