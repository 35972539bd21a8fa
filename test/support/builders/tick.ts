/** In-memory ports for unit tests of the tick: a versioned store with the real conflict rule, a service, a reader. */
import type { TickDependencies } from '#application/tick';
import { parseScalerConfig, type ScalerConfig } from '#domain/config/scaler-config';
import type { GroupSnapshot } from '#domain/lag/snapshot';
import type { MetricDatum } from '#ports/metrics-sink';
import type { ServiceRef, ServiceStatus } from '#ports/service-capacity';
import { StateConflictError, type StateStore, type StoredState, type UnreadableState } from '#ports/state-store';
import { group, member, part, T0 } from './lag';

/** A state store in memory with DynamoDB's rule: a save must name the version it loaded. */
export function memoryStore(): StateStore<unknown> & {
  readonly items: Map<string, StoredState<unknown> | UnreadableState>;
  saves: number;
  failSaves: (predicate: (target: string, state: unknown) => boolean) => void;
} {
  const items = new Map<string, StoredState<unknown> | UnreadableState>();
  let failing: ((target: string, state: unknown) => boolean) | undefined;
  return {
    items,
    saves: 0,
    failSaves(predicate) {
      failing = predicate;
    },
    async load(target) {
      const item = items.get(target);
      return item === undefined ? undefined : structuredClone(item);
    },
    async save(target, state, expectedVersion) {
      if (failing?.(target, state)) throw new Error('ProvisionedThroughputExceededException (injected)');
      const current = items.get(target)?.version;
      if (current !== expectedVersion && !(expectedVersion === 0 && current === 0))
        throw new StateConflictError(target);
      const version = (expectedVersion ?? 0) + 1;
      items.set(target, { version, state: JSON.parse(JSON.stringify(state)) as unknown });
      this.saves += 1;
      return version;
    },
  };
}

/** One ECS service in memory; `failUpdates` makes UpdateService throw. */
export function memoryService(initial: number) {
  const status: { desired: number } = { desired: initial };
  const attempts: number[] = [];
  let failures = 0;
  return {
    status,
    attempts,
    failUpdates(count: number) {
      failures = count;
    },
    capacity: {
      describe: async (_service: ServiceRef): Promise<ServiceStatus> => ({
        desired: status.desired,
        running: status.desired,
        pending: 0,
        deploymentSteady: true,
      }),
      setDesired: async (_service: ServiceRef, count: number): Promise<void> => {
        attempts.push(count);
        if (failures > 0) {
          failures -= 1;
          throw new Error('ServerException: Service Unavailable (injected)');
        }
        status.desired = count;
      },
    },
  };
}

/** `billing` on 4 partitions, each `lag` behind, owned by `members` members (the running tasks). */
export function backlog(lag: number, members: number, now: number): GroupSnapshot {
  const partitions = [0, 1, 2, 3].map((p) => part(p, { committed: 0n, end: BigInt(lag) }));
  const owners = Array.from({ length: members }, (_, i) =>
    member(`m${i}`, { 'patient-checkout': [0, 1, 2, 3].filter((p) => p % members === i) }),
  );
  return group(partitions, { observedAtMs: now, members: owners, isolation: 'read_uncommitted' });
}

export const tickConfig = (policy: Record<string, unknown> = {}): ScalerConfig =>
  parseScalerConfig({
    kafka: { brokers: ['127.0.0.1:9092'] },
    targets: [
      {
        group: 'billing',
        topics: ['patient-checkout'],
        service: { cluster: 'hospital', service: 'billing' },
        policy: { lagPerTaskThreshold: 250, scaleInStabilizationSeconds: 0, settleTimeoutSeconds: 60, ...policy },
      },
    ],
  });

/** Tick ports in memory around a clock the test moves; the reader answers `snapshot(now)`. */
export function memoryTick(options: { desired: number; snapshot: (now: number) => GroupSnapshot }) {
  let now = T0;
  const store = memoryStore();
  const service = memoryService(options.desired);
  const published: MetricDatum[][] = [];
  const logs: { level: string; message: string; fields: unknown }[] = [];
  const at = (level: string) => (message: string, fields?: unknown) => void logs.push({ level, message, fields });
  const deps: TickDependencies = {
    reader: {
      read: async () => [{ kind: 'ok', snapshot: options.snapshot(now) }],
      listGroups: async () => ['billing'],
      close: async () => undefined,
    },
    capacity: service.capacity,
    store,
    metrics: { publish: async (metrics) => void published.push([...metrics]) },
    clock: { now: () => now },
    logger: { info: at('info'), warn: at('warn'), error: at('error') },
  };
  return {
    deps,
    store,
    service,
    published,
    logs,
    advance: (ms: number) => (now += ms),
    now: () => now,
    /** The values of one metric of the last tick, by name. */
    lastMetric: (name: string) =>
      published
        .at(-1)
        ?.filter((m) => m.name === name)
        .map((m) => m.value),
  };
}
