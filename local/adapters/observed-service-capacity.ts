import type { ServiceCapacity, ServiceRef, ServiceStatus } from '#ports/service-capacity';

/**
 * For trying the policy on groups whose consumers this run does not manage (`lagscaler run` against
 * an external Kafka): the running count is the group's current member count, and the desired
 * count is what the scaler last asked for (starting at the member count). Nothing is started or
 * stopped; a requested change is only recorded, so the settle gate holds until the operator's own
 * deployment catches up, exactly as it would on ECS.
 */
export class ObservedServiceCapacity implements ServiceCapacity {
  private readonly desired = new Map<string, number>();
  private readonly requests: { readonly service: ServiceRef; readonly count: number; readonly atMs: number }[] = [];

  /** @param membersOf - the current member count of the group a service consumes for, if known */
  constructor(
    private readonly membersOf: (service: ServiceRef) => number | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  async describe(service: ServiceRef): Promise<ServiceStatus> {
    const running = this.membersOf(service) ?? 0;
    const key = `${service.cluster}/${service.service}`;
    const desired = this.desired.get(key) ?? running;
    if (!this.desired.has(key)) this.desired.set(key, desired);
    return { desired, running, pending: 0, deploymentSteady: running === desired };
  }

  async setDesired(service: ServiceRef, count: number): Promise<void> {
    this.desired.set(`${service.cluster}/${service.service}`, count);
    this.requests.push({ service, count, atMs: this.now() });
  }

  /** Every change the scaler asked for (none is carried out). */
  requested(): readonly { readonly service: ServiceRef; readonly count: number; readonly atMs: number }[] {
    return this.requests;
  }
}
