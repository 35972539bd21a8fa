import {
  DescribeServicesCommand,
  UpdateServiceCommand,
  type ECSClient,
  type Failure,
  type Service,
} from '@aws-sdk/client-ecs';
import pLimit from 'p-limit';
import { asError } from '#domain/errors';
import {
  ServiceNotFoundError,
  type ServiceCapacity,
  type ServiceDescription,
  type ServiceRef,
  type ServiceStatus,
} from '#ports/service-capacity';

/** DescribeServices takes at most 10 services of one cluster per call. */
const DESCRIBE_BATCH = 10;

export interface EcsServiceCapacityOptions {
  /** DescribeServices calls in flight at once in describeMany. @default 8 */
  readonly concurrentCalls?: number;
}

/**
 * ECS desired counts. Throttling is retried by the SDK client the caller builds (see
 * awsClientOptions); a missing cluster or service is a ServiceNotFoundError naming it.
 */
export class EcsServiceCapacity implements ServiceCapacity {
  constructor(
    private readonly ecs: ECSClient,
    private readonly options: EcsServiceCapacityOptions = {},
  ) {}

  async describe(ref: ServiceRef): Promise<ServiceStatus> {
    const [described] = await this.describeMany([ref]);
    if (described?.kind !== 'described') throw described?.error ?? new ServiceNotFoundError(ref, 'no answer');
    return described.status;
  }

  /** Ten services of a cluster per DescribeServices call; a failed call or a missing service fails only its own. */
  async describeMany(refs: readonly ServiceRef[]): Promise<readonly ServiceDescription[]> {
    const results: ServiceDescription[] = [];
    const limit = pLimit(this.options.concurrentCalls ?? 8);
    await Promise.all(
      batchesByCluster(refs).map((batch) =>
        limit(async () => {
          const answered = await this.describeBatch(batch.map((i) => refs[i] as ServiceRef));
          batch.forEach((index, position) => (results[index] = answered[position] as ServiceDescription));
        }),
      ),
    );
    return results;
  }

  /** One DescribeServices call for up to ten services of one cluster. */
  private async describeBatch(refs: readonly ServiceRef[]): Promise<ServiceDescription[]> {
    const cluster = refs[0]?.cluster ?? '';
    let services: readonly Service[];
    let failures: readonly Failure[];
    try {
      const result = await this.ecs.send(
        new DescribeServicesCommand({ cluster, services: refs.map((ref) => ref.service) }),
      );
      services = result.services ?? [];
      failures = result.failures ?? [];
    } catch (error) {
      const failed = notFound(error);
      return refs.map((ref) => ({
        kind: 'failed',
        error: failed ? new ServiceNotFoundError(ref, failed) : asError(error),
      }));
    }
    return refs.map((ref): ServiceDescription => {
      const service = services.find((s) => s.serviceName === ref.service || s.serviceArn === ref.service);
      if (service && service.status !== 'INACTIVE') return { kind: 'described', status: statusOf(service) };
      const failure = failures.find((f) => f.arn === ref.service || f.arn?.endsWith(`/${ref.service}`));
      const reason = failure?.reason ?? service?.status ?? 'no such service';
      return { kind: 'failed', error: new ServiceNotFoundError(ref, reason) };
    });
  }

  async setDesired(ref: ServiceRef, count: number): Promise<void> {
    try {
      await this.ecs.send(
        new UpdateServiceCommand({ cluster: ref.cluster, service: ref.service, desiredCount: count }),
      );
    } catch (error) {
      const name = notFound(error);
      if (name !== undefined) throw new ServiceNotFoundError(ref, name);
      throw error;
    }
  }
}

/** The error's name when it says the cluster or service does not exist (a configuration problem). */
function notFound(error: unknown): string | undefined {
  const name = (error as { name?: string }).name;
  return name === 'ServiceNotFoundException' ||
    name === 'ClusterNotFoundException' ||
    name === 'ServiceNotActiveException'
    ? name
    : undefined;
}

/** Indexes of the refs, cut into batches of one cluster and at most ten services. */
function batchesByCluster(refs: readonly ServiceRef[]): number[][] {
  const byCluster = new Map<string, number[]>();
  refs.forEach((ref, index) => byCluster.set(ref.cluster, [...(byCluster.get(ref.cluster) ?? []), index]));
  return [...byCluster.values()].flatMap((indexes) =>
    Array.from({ length: Math.ceil(indexes.length / DESCRIBE_BATCH) }, (_, i) =>
      indexes.slice(i * DESCRIBE_BATCH, (i + 1) * DESCRIBE_BATCH),
    ),
  );
}

function statusOf(service: Service): ServiceStatus {
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
