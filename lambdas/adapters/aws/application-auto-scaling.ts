import {
  DescribeScalingPoliciesCommand,
  DescribeScalableTargetsCommand,
  type ApplicationAutoScalingClient,
  type ScalableTarget,
} from '@aws-sdk/client-application-auto-scaling';
import type { ExternalScaler, ExternalScalerFinder } from '#ports/external-scalers';
import type { ServiceRef } from '#ports/service-capacity';

/** DescribeScalableTargets takes at most 50 resource ids per request. */
const batchSize = 50;

const resourceIdOf = (service: ServiceRef): string => `service/${service.cluster}/${service.service}`;

/**
 * Application Auto Scaling scalable targets on the services' desired counts: one DescribeScalableTargets
 * per 50 services each tick, and DescribePolicies only for a service that has one (rare: a problem).
 */
export class ApplicationAutoScalingScalers implements ExternalScalerFinder {
  constructor(private readonly client: ApplicationAutoScalingClient) {}

  async find(services: readonly ServiceRef[]): Promise<readonly ExternalScaler[]> {
    const byResource = new Map(services.map((service) => [resourceIdOf(service), service]));
    const ids = [...byResource.keys()];
    const found: ExternalScaler[] = [];
    for (let i = 0; i < ids.length; i += batchSize) {
      const targets = await this.scalableTargets(ids.slice(i, i + batchSize));
      for (const target of targets) {
        const service = target.ResourceId === undefined ? undefined : byResource.get(target.ResourceId);
        if (service !== undefined) found.push(await this.describe(service, target));
      }
    }
    return found;
  }

  private async scalableTargets(resourceIds: readonly string[]): Promise<ScalableTarget[]> {
    const targets: ScalableTarget[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.client.send(
        new DescribeScalableTargetsCommand({
          ServiceNamespace: 'ecs',
          ScalableDimension: 'ecs:service:DesiredCount',
          ResourceIds: [...resourceIds],
          NextToken: nextToken,
        }),
      );
      targets.push(...(page.ScalableTargets ?? []));
      nextToken = page.NextToken;
    } while (nextToken !== undefined);
    return targets;
  }

  private async describe(service: ServiceRef, target: ScalableTarget): Promise<ExternalScaler> {
    const resourceId = target.ResourceId ?? resourceIdOf(service);
    const policies = await this.client.send(
      new DescribeScalingPoliciesCommand({
        ServiceNamespace: 'ecs',
        ScalableDimension: 'ecs:service:DesiredCount',
        ResourceId: resourceId,
      }),
    );
    const suspended = target.SuspendedState;
    return {
      service,
      resourceId,
      minCapacity: target.MinCapacity,
      maxCapacity: target.MaxCapacity,
      policies: (policies.ScalingPolicies ?? []).map((policy) => policy.PolicyName ?? '(unnamed)'),
      suspended:
        suspended?.DynamicScalingInSuspended === true &&
        suspended.DynamicScalingOutSuspended === true &&
        suspended.ScheduledScalingSuspended === true,
    };
  }
}
