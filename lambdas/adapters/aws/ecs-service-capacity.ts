import { DescribeServicesCommand, UpdateServiceCommand, type ECSClient } from '@aws-sdk/client-ecs';
import {
  ServiceNotFoundError,
  type ServiceCapacity,
  type ServiceRef,
  type ServiceStatus,
} from '#ports/service-capacity';

/**
 * ECS desired counts. Throttling is retried by the SDK client the caller builds (see
 * awsClientOptions); a missing cluster or service is a ServiceNotFoundError naming it.
 */
export class EcsServiceCapacity implements ServiceCapacity {
  constructor(private readonly ecs: ECSClient) {}

  async describe(ref: ServiceRef): Promise<ServiceStatus> {
    const result = await this.ecs.send(new DescribeServicesCommand({ cluster: ref.cluster, services: [ref.service] }));
    const service = result.services?.[0];
    if (!service || service.status === 'INACTIVE') {
      throw new ServiceNotFoundError(ref, result.failures?.[0]?.reason ?? service?.status ?? 'no such service');
    }
    const deployments = service.deployments ?? [];
    const desired = service.desiredCount ?? 0;
    const running = service.runningCount ?? 0;
    const pending = service.pendingCount ?? 0;
    // rolloutState can stay IN_PROGRESS after every task runs (and always does in moto); what the
    // scaler needs is that one deployment runs exactly the desired tasks.
    const deploymentSteady =
      deployments.length <= 1 &&
      deployments.every((d) => d.rolloutState !== 'FAILED') &&
      running === desired &&
      pending === 0;
    return { desired, running, pending, deploymentSteady };
  }

  async setDesired(ref: ServiceRef, count: number): Promise<void> {
    try {
      await this.ecs.send(
        new UpdateServiceCommand({ cluster: ref.cluster, service: ref.service, desiredCount: count }),
      );
    } catch (error) {
      const name = (error as { name?: string }).name;
      if (
        name === 'ServiceNotFoundException' ||
        name === 'ClusterNotFoundException' ||
        name === 'ServiceNotActiveException'
      ) {
        throw new ServiceNotFoundError(ref, name);
      }
      throw error;
    }
  }
}
