/**
 * Per-task capacity (msg/s) per topic: measured from this tick's consumption rate when the rate can be
 * trusted, else remembered from an earlier busy period. Sizing by drain time needs it for every topic.
 */
import type { PolicyConfig } from './config';
import type { PolicyMemory, TopicObservation } from './input';
import type { TopicLoad } from './sizing';

/** A topic counts as busy (its consumers never waited for data) with at least this much queued work. */
export const BUSY_BACKLOG_SECONDS = 15;

/** This tick's capacity estimate and the estimates to remember. */
export interface Capacity {
  /** Capacity estimate per topic (msg/s per task), undefined where none is known. */
  readonly perTopic: readonly (number | undefined)[];
  readonly remembered: Readonly<Record<string, number>>;
}

/** How far this tick's per-task rate can be trusted. */
export interface RateTrust {
  /** Settled for a whole rate window: the rate is the group's capacity if the topic was busy. */
  readonly exact: boolean;
  /**
   * No scale-in inside the window: the rate can only understate capacity (a pause or a later join
   * lowers it), so a busy rate may raise the remembered capacity. After a scale-in the window's
   * consumption was done by more members than are counted now, which would overstate it.
   */
  readonly lowerBound: boolean;
  /**
   * Factor for a window that held one rebalance pause (window / (window - pause)): the group stood
   * still for the pause, which is not slowness. 1 when the group was settled for the whole window.
   */
  readonly pauseCorrection: number;
}

/** The trust this tick's rates earn from how long the group has been settled and its last scale-in. */
export function rateTrust(
  history: Pick<PolicyMemory, 'settledSinceMs' | 'lastAction'>,
  config: Pick<PolicyConfig, 'rateWindowSeconds' | 'rebalancePauseSeconds'>,
  now: number,
): RateTrust {
  const windowMs = config.rateWindowSeconds * 1000;
  const exact = history.settledSinceMs !== undefined && now - history.settledSinceMs >= windowMs;
  const lastScaleInMs = history.lastAction?.direction === 'in' ? history.lastAction.atMs : undefined;
  const pauseFree = exact || config.rateWindowSeconds <= config.rebalancePauseSeconds;
  return {
    exact,
    lowerBound: lastScaleInMs === undefined || now - lastScaleInMs >= windowMs,
    pauseCorrection: pauseFree
      ? 1
      : config.rateWindowSeconds / (config.rateWindowSeconds - config.rebalancePauseSeconds),
  };
}

/**
 * A caught-up group consumes only what is produced, so its measured rate says little about capacity;
 * only a busy topic's rate measures it. Remembered capacity is replaced by an exact busy rate and
 * raised by a lower-bound one, so one well-measured busy period keeps serving after the group drains.
 */
export function estimateCapacity(
  topics: readonly TopicObservation[],
  memory: PolicyMemory,
  trust: RateTrust,
  members: number,
): Capacity {
  const remembered: Record<string, number> = { ...memory.capacityPerTask };
  const perTopic = topics.map((topic) => {
    const measured = topic.consumptionRatePerTask;
    const known = remembered[topic.topic];
    if (measured === undefined || measured <= 0) return known;
    const busy = topic.scalableLag >= measured * Math.max(members, 1) * BUSY_BACKLOG_SECONDS;
    if (busy && trust.exact) {
      remembered[topic.topic] = measured;
      return measured;
    }
    if (busy && trust.lowerBound) {
      const raised = Math.max(known ?? 0, measured * trust.pauseCorrection);
      remembered[topic.topic] = raised;
      return raised;
    }
    return known === undefined ? undefined : Math.max(known, measured);
  });
  return { perTopic, remembered };
}

/** The topics as drain-time sizing sees them; undefined unless every topic has a capacity and a production rate. */
export function toLoads(topics: readonly TopicObservation[], capacity: Capacity): readonly TopicLoad[] | undefined {
  const loads: TopicLoad[] = [];
  for (const [index, topic] of topics.entries()) {
    const capacityPerTask = capacity.perTopic[index];
    if (capacityPerTask === undefined || topic.productionRate === undefined) return undefined;
    loads.push({
      partitions: topic.partitions,
      scalableLag: topic.scalableLag,
      maxPartitionLag: topic.maxPartitionLag,
      productionRate: topic.productionRate,
      maxPartitionProductionRate: topic.maxPartitionProductionRate,
      capacityPerTask,
    });
  }
  return loads;
}

/** The smallest known per-task capacity (msg/s) across topics, for the decision's numbers. */
export function smallestCapacity(capacity: Capacity): number | undefined {
  return capacity.perTopic.reduce<number | undefined>(
    (min, value) => (value === undefined ? min : Math.min(min ?? value, value)),
    undefined,
  );
}
