import type { ServiceRef } from './service-capacity';

/**
 * Another autoscaler registered on a watched service: an Application Auto Scaling scalable target on
 * its desired count, with its policies. Both would set the desired count, each undoing the other.
 */
export interface ExternalScaler {
  readonly service: ServiceRef;
  /** Application Auto Scaling's id of the scalable target, `service/<cluster>/<service>`. */
  readonly resourceId: string;
  readonly minCapacity: number | undefined;
  readonly maxCapacity: number | undefined;
  /** Names of the scaling policies attached to it. */
  readonly policies: readonly string[];
  /** True when its scale-in, scale-out and scheduled scaling are all suspended (it changes nothing). */
  readonly suspended: boolean;
}

/** Finds other autoscalers on the services the scaler owns. */
export interface ExternalScalerFinder {
  find(services: readonly ServiceRef[]): Promise<readonly ExternalScaler[]>;
}

/** The health problem one external scaler is, in words: what it is and how to hand the service over. */
export function describeExternalScaler(scaler: ExternalScaler): string {
  const bounds = `min ${scaler.minCapacity ?? '?'}, max ${scaler.maxCapacity ?? '?'}`;
  const policies = scaler.policies.length === 0 ? 'no policies' : `policies ${scaler.policies.join(', ')}`;
  const state = scaler.suspended ? 'suspended' : 'active';
  return (
    `ECS service ${scaler.service.service} in cluster ${scaler.service.cluster} is also registered with Application Auto Scaling ` +
    `(${scaler.resourceId}, ${bounds}, ${policies}, ${state}): both set its desired count. Hand the service to the scaler: ` +
    `deregister the scalable target (aws application-autoscaling deregister-scalable-target --service-namespace ecs ` +
    `--scalable-dimension ecs:service:DesiredCount --resource-id ${scaler.resourceId}), or remove autoScaleTaskCount() from its CDK service`
  );
}
