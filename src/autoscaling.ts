/**
 * A HorizontalPodAutoscaler on CPU for high-volume installs. Rate limits, coalescing and the
 * redelivery window are kept per pod, so more pods mean a higher effective rate limit per
 * receiver, bursts that coalesce per pod rather than across all, and a redelivered copy that may
 * reach a pod that never saw the first one (README, "Scaling out").
 */
export interface Autoscaling {
  /** Most pods the autoscaler may run; more than `replicas`, which is its minimum. */
  readonly maxReplicas: number;
  /**
   * Average CPU use, in percent of the container's CPU request, the autoscaler keeps the pods at.
   *
   * @default 75
   */
  readonly cpuUtilization?: number;
}
