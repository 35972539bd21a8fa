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

/** Reads and sets how many tasks a consumer service runs. */
export interface ServiceCapacity {
  describe(service: ServiceRef): Promise<ServiceStatus>;
  setDesired(service: ServiceRef, count: number): Promise<void>;
}

/** The named cluster or service does not exist (a configuration problem, not a passing fault). */
export class ServiceNotFoundError extends Error {
  override name = 'ServiceNotFoundError';
  readonly retriable = false;
  constructor(
    readonly service: ServiceRef,
    detail: string,
  ) {
    super(
      `ECS service ${service.service} in cluster ${service.cluster} not found (${detail}); check the target's service.cluster and service.service`,
    );
  }
}
