import { ProjectError } from '#domain/errors';

/** The ECS service a consumer group runs as (or its local stand-in). */
export interface ServiceRef {
  readonly cluster: string;
  readonly service: string;
}

export interface ServiceStatus {
  readonly desired: number;
  readonly running: number;
  readonly pending: number;
  /** One deployment, not failed, running exactly the desired tasks with none pending: counts mean what they say. */
  readonly deploymentSteady: boolean;
}

/** One service of a batched describe: its status, or why it could not be described (that service alone). */
export type ServiceDescription =
  { readonly kind: 'described'; readonly status: ServiceStatus } | { readonly kind: 'failed'; readonly error: Error };

/** Reads and sets how many tasks a consumer service runs. */
export interface ServiceCapacity {
  describe(service: ServiceRef): Promise<ServiceStatus>;
  /**
   * Many services in as few calls as the backend allows (ECS: 10 per DescribeServices): one result
   * per service, in order. Optional: without it the tick describes services one by one.
   */
  describeMany?(services: readonly ServiceRef[]): Promise<readonly ServiceDescription[]>;
  setDesired(service: ServiceRef, count: number): Promise<void>;
}

/** Base of the errors a ServiceCapacity raises on purpose. */
export abstract class ServiceCapacityError extends ProjectError {}

/** The named cluster or service does not exist (a configuration problem, not a passing fault). */
export class ServiceNotFoundError extends ServiceCapacityError {
  override name = 'ServiceNotFoundError';
  constructor(
    readonly service: ServiceRef,
    detail: string,
  ) {
    super(
      `ECS service ${service.service} in cluster ${service.cluster} not found (${detail}); check the target's service.cluster and service.service`,
    );
  }
}
