/**
 * A deterministic discrete-time model of one consumer group on an ECS-like service, stepped once a
 * second: production per partition from a trace, tasks with a fixed throughput and a start delay,
 * partition assignment (range or round-robin with an eager rebalance that pauses the whole group on
 * every membership change, or cooperative-sticky that pauses only the partitions that move), and graceful stop on scale-in (the task commits and leaves at once).
 *
 * Policies see what production would: lag and rates measured from the simulated offsets over a rate
 * window, time lag, partitions marked STALLED by a lag-engine-like rule (commit unchanged for
 * `stallPolls` polls while lagging and others moved), group state during rebalances, and the service's
 * desired/running/pending counts. No randomness: the same trace and policy give the same result.
 */
import type { DataFreshness, PolicyObservation, TopicObservation } from '#domain/policy/index';
import type { Policy } from './policies';
import { traceDurationSeconds, type Trace } from './trace';

/**
 * range and roundrobin use Kafka's eager protocol: every membership change pauses the whole group.
 * cooperative-sticky keeps partitions where they are and pauses only the ones that move.
 */
export type Assignor = 'range' | 'roundrobin' | 'cooperative-sticky';

export interface SimulationOptions {
  /** Seconds the whole group stops consuming after a membership change. @default 5 */
  readonly rebalancePauseSeconds: number;
  /** Seconds from a task's start request to its joining the group (ECS placement + pull + boot). @default 40 */
  readonly taskStartSeconds: number;
  /** @default 'range' */
  readonly assignor: Assignor;
  /** Time lag (s) above which a second counts as "over the drain target". @default 300 */
  readonly drainTargetSeconds: number;
  /** Polls with an unchanged commit (while lagging, others moving) before a partition is STALLED. @default 3 */
  readonly stallPolls: number;
  /** Window (s) over which production and consumption rates are measured. @default 60 */
  readonly rateWindowSeconds: number;
  /** Seconds between two chart samples. @default 30 */
  readonly seriesEverySeconds: number;
  /** Epoch ms of second 0 (policies get `now` = this + t x 1000). */
  readonly startEpochMs: number;
}

export const defaultSimulationOptions: SimulationOptions = {
  // Calibrated by `npm run bench:rebalance`: kafkajs on the local broker paused 0.06-0.25 s per join or
  // leave; 1 s is that maximum rounded up to the model's one-second step.
  rebalancePauseSeconds: 1,
  taskStartSeconds: 40,
  assignor: 'range',
  drainTargetSeconds: 300,
  stallPolls: 3,
  rateWindowSeconds: 60,
  seriesEverySeconds: 30,
  startEpochMs: 1_767_225_600_000, // 2026-01-01T00:00:00Z
};

/** One chart sample. */
export interface SeriesPoint {
  readonly second: number;
  /** Lag (messages) of partitions scaling can drain. */
  readonly lag: number;
  /** Lag of poisoned partitions (no policy can drain it). */
  readonly stuckLag: number;
  /** Tasks billed: starting + members. */
  readonly tasks: number;
  readonly timeLagSeconds: number;
  /** Tasks needed just to keep up with drainable production this second (fractional). */
  readonly neededTasks: number;
}

export interface ScaleEvent {
  readonly second: number;
  readonly from: number;
  readonly to: number;
  readonly reason: string;
}

export interface SimulationResult {
  readonly trace: string;
  readonly policy: string;
  readonly durationSeconds: number;
  readonly taskMinutes: number;
  /** Task-minutes needed just to keep up with (drainable) production: sum(rate) / throughput. */
  readonly lowerBoundTaskMinutes: number;
  readonly ratioToLowerBound: number;
  /** Minutes in which the largest drainable time lag exceeded the drain target. */
  readonly minutesOverDrainTarget: number;
  readonly maxTimeLagSeconds: number;
  readonly rebalances: number;
  readonly scaleActions: number;
  /** Partition-seconds without a consumer because the group was rebalancing. */
  readonly pausedPartitionSeconds: number;
  readonly series: readonly SeriesPoint[];
  readonly scaleEvents: readonly ScaleEvent[];
}

interface SimPartition {
  readonly topicIndex: number;
  readonly partition: number;
  readonly share: number;
  readonly poisonFrom: number | undefined;
  readonly poisonUntil: number | undefined;
  end: number;
  committed: number;
  /** End offset after each second (index t = after second t-1); non-decreasing, for time lag. */
  readonly endHistory: Float64Array;
  /** Committed offset after each second, for per-member consumption rates. */
  readonly committedHistory: Float64Array;
  lastPolledCommitted: number | undefined;
  unchangedPolls: number;
  /** Marked STALLED by the lag-engine rule; cleared when the commit moves again. */
  stalled: boolean;
}

function poisonedAt(partition: SimPartition, second: number): boolean {
  return (
    partition.poisonFrom !== undefined &&
    second >= partition.poisonFrom &&
    (partition.poisonUntil === undefined || second < partition.poisonUntil)
  );
}

/** Age (s) of the oldest unconsumed message: when did the end offset first pass the committed one. */
function timeLagOf(partition: SimPartition, second: number): number {
  if (partition.committed >= partition.end - 1e-9) return 0;
  let lo = 0;
  let hi = second + 1;
  // First index whose end offset exceeds the committed offset: the oldest unconsumed message.
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((partition.endHistory[mid] ?? Infinity) > partition.committed + 1e-9) hi = mid;
    else lo = mid + 1;
  }
  return Math.max(0, second + 1 - lo);
}

/**
 * Partition assignment as Kafka's assignors do it. Range: per topic, consecutive partitions, the first
 * P mod n members get one more (so with several topics the same members are the busiest on each).
 * Round-robin: all topic-partitions dealt in turn. Cooperative-sticky: see `stickyAssignment`.
 * Returns partition indexes per member id.
 */
export function assignPartitions(
  partitions: readonly { readonly topicIndex: number }[],
  members: readonly number[],
  assignor: Assignor,
): Map<number, number[]> {
  if (assignor === 'cooperative-sticky') return stickyAssignment(partitions.length, new Map(), members);
  const result = new Map<number, number[]>(members.map((member) => [member, []]));
  if (members.length === 0) return result;
  if (assignor === 'roundrobin') {
    partitions.forEach((_, index) => result.get(members[index % members.length] ?? 0)?.push(index));
    return result;
  }
  const byTopic = new Map<number, number[]>();
  partitions.forEach((partition, index) => {
    const list = byTopic.get(partition.topicIndex) ?? [];
    list.push(index);
    byTopic.set(partition.topicIndex, list);
  });
  for (const indexes of byTopic.values()) {
    const per = Math.floor(indexes.length / members.length);
    const extra = indexes.length % members.length;
    let next = 0;
    members.forEach((member, position) => {
      const count = per + (position < extra ? 1 : 0);
      result.get(member)?.push(...indexes.slice(next, next + count));
      next += count;
    });
  }
  return result;
}

/**
 * Sticky balancing over all topic-partitions: each remaining member keeps what it had, up to its quota
 * (floor or ceil of N/n, the ceil going to the members holding most), and only the surplus and the
 * partitions of members that left move.
 */
export function stickyAssignment(
  partitionCount: number,
  previous: ReadonlyMap<number, readonly number[]>,
  members: readonly number[],
): Map<number, number[]> {
  const result = new Map<number, number[]>(members.map((member) => [member, [...(previous.get(member) ?? [])]]));
  if (members.length === 0) return result;
  const base = Math.floor(partitionCount / members.length);
  const extra = partitionCount % members.length;
  const byHolding = [...members].sort((a, b) => (result.get(b)?.length ?? 0) - (result.get(a)?.length ?? 0) || a - b);
  const quota = new Map(byHolding.map((member, position) => [member, base + (position < extra ? 1 : 0)]));
  const owned = new Set<number>();
  for (const member of members) {
    const list = result.get(member) ?? [];
    const keep = list.slice(0, quota.get(member) ?? 0);
    result.set(member, keep);
    keep.forEach((index) => owned.add(index));
  }
  const pool = Array.from({ length: partitionCount }, (_, index) => index).filter((index) => !owned.has(index));
  for (const member of members) {
    const list = result.get(member) ?? [];
    while (list.length < (quota.get(member) ?? 0) && pool.length > 0) {
      const next = pool.shift();
      if (next !== undefined) list.push(next);
    }
  }
  return result;
}

/** Share one task's capacity among its lagging partitions, smallest backlog first (water filling). */
function consume(
  partitions: readonly SimPartition[],
  indexes: readonly number[],
  capacity: number,
  second: number,
): void {
  const open = indexes
    .map((index) => partitions[index])
    .filter((partition): partition is SimPartition => partition !== undefined && !poisonedAt(partition, second))
    .filter((partition) => partition.end - partition.committed > 1e-9)
    .sort((a, b) => a.end - a.committed - (b.end - b.committed));
  let remaining = capacity;
  open.forEach((partition, position) => {
    const fair = remaining / (open.length - position);
    const take = Math.min(partition.end - partition.committed, fair);
    partition.committed += take;
    remaining -= take;
  });
}

function freshnessAt(trace: Trace, second: number): DataFreshness {
  const gap = trace.dataGaps.find(
    (candidate) =>
      second >= candidate.fromSecond && (candidate.untilSecond === undefined || second < candidate.untilSecond),
  );
  return gap?.freshness ?? 'complete';
}

/** Run one policy over one trace. Pure and deterministic. */
export function simulate<S>(
  trace: Trace,
  policy: Policy<S>,
  options: SimulationOptions = defaultSimulationOptions,
): SimulationResult {
  const duration = traceDurationSeconds(trace);
  const throughput = trace.taskThroughputPerSecond;
  const partitions: SimPartition[] = [];
  trace.topics.forEach((topic, topicIndex) => {
    const weights = topic.weights ?? Array.from({ length: topic.partitions }, () => 1);
    const total = weights.reduce((sum, weight) => sum + weight, 0);
    for (let partition = 0; partition < topic.partitions; partition += 1) {
      const poison = trace.poisoned.find((p) => p.topic === topic.name && p.partition === partition);
      const endHistory = new Float64Array(duration + 1);
      endHistory[0] = topic.initialLagPerPartition;
      partitions.push({
        topicIndex,
        partition,
        share: (weights[partition] ?? 0) / total,
        poisonFrom: poison?.fromSecond,
        poisonUntil: poison?.untilSecond,
        end: topic.initialLagPerPartition,
        committed: 0,
        endHistory,
        committedHistory: new Float64Array(duration + 1),
        lastPolledCommitted: undefined,
        unchangedPolls: 0,
        stalled: false,
      });
    }
  });
  const topicRates = trace.topics.map((topic) => trace.production[topic.name] ?? []);
  const topicEnd = trace.topics.map(() => new Float64Array(duration + 1));
  const topicCommitted = trace.topics.map(() => new Float64Array(duration + 1));
  partitions.forEach((partition) => {
    const ends = topicEnd[partition.topicIndex];
    if (ends !== undefined) ends[0] = (ends[0] ?? 0) + partition.end;
  });

  let nextTaskId = 0;
  let members: number[] = [];
  let starting: { id: number; readyAt: number }[] = [];
  for (let i = 0; i < trace.initialTasks; i += 1) members.push(nextTaskId++);
  let assignment = assignPartitions(partitions, members, options.assignor);
  let rebalanceUntil: number | undefined;
  const cooperative = options.assignor === 'cooperative-sticky';
  /** Cooperative: partitions that changed owner and wait for the rebalance to finish. */
  let movedPartitions = new Set<number>();
  let state = policy.initialState;

  let taskSeconds = 0;
  let lowerBoundTaskSeconds = 0;
  let overSeconds = 0;
  let maxTimeLag = 0;
  let rebalances = 0;
  let pausedPartitionSeconds = 0;
  const series: SeriesPoint[] = [];
  const scaleEvents: ScaleEvent[] = [];

  const startRebalance = (second: number): void => {
    if (rebalanceUntil === undefined) rebalances += 1;
    rebalanceUntil = Math.max(rebalanceUntil ?? 0, second + options.rebalancePauseSeconds);
    if (!cooperative) return;
    const next = stickyAssignment(partitions.length, assignment, members);
    const ownerBefore = new Map<number, number>();
    assignment.forEach((list, member) => list.forEach((index) => ownerBefore.set(index, member)));
    next.forEach((list, member) =>
      list.forEach((index) => {
        if (ownerBefore.get(index) !== member) movedPartitions.add(index);
      }),
    );
    assignment = next;
  };

  const observe = (second: number): PolicyObservation => {
    const freshness = freshnessAt(trace, second);
    const window = Math.min(options.rateWindowSeconds, second + 1);
    // The lag engine's STALL rule, evaluated once per poll of this policy.
    const moved = partitions.some(
      (partition) =>
        partition.lastPolledCommitted !== undefined && partition.committed > partition.lastPolledCommitted + 1e-9,
    );
    for (const partition of partitions) {
      const unchanged =
        partition.lastPolledCommitted !== undefined && partition.committed <= partition.lastPolledCommitted + 1e-9;
      partition.unchangedPolls =
        unchanged && partition.end - partition.committed >= 1 ? partition.unchangedPolls + 1 : 0;
      partition.lastPolledCommitted = partition.committed;
      // STALL needs others moving when it starts (a paused or empty group is not a poisoned partition).
      if (partition.unchangedPolls === 0) partition.stalled = false;
      else if (partition.unchangedPolls >= options.stallPolls && moved) partition.stalled = true;
    }
    const windowRate = (history: Float64Array): number =>
      window <= 0 ? 0 : ((history[second + 1] ?? 0) - (history[second + 1 - window] ?? 0)) / window;
    const topics: TopicObservation[] = trace.topics.map((topic, topicIndex) => {
      let scalableLag = 0;
      let excludedLag = 0;
      let maxPartitionLag = 0;
      let maxPartitionProductionRate = 0;
      let productionRate = 0;
      let timeLagSeconds = 0;
      partitions.forEach((partition) => {
        if (partition.topicIndex !== topicIndex) return;
        productionRate += windowRate(partition.endHistory);
        // Partial data: half the partitions could not be read this tick.
        if (freshness === 'partial' && partition.partition % 2 === 1) return;
        const lag = Math.floor(partition.end) - Math.floor(partition.committed);
        if (partition.stalled) {
          excludedLag += lag;
          return;
        }
        scalableLag += lag;
        maxPartitionLag = Math.max(maxPartitionLag, lag);
        maxPartitionProductionRate = Math.max(maxPartitionProductionRate, windowRate(partition.endHistory));
        timeLagSeconds = Math.max(timeLagSeconds, timeLagOf(partition, second));
      });
      // Per member: what it consumed of this topic over the window; the busiest member's rate is the
      // per-task capacity signal a lag engine with assignments can give.
      let busiestMemberRate: number | undefined;
      for (const member of members) {
        let rate = 0;
        for (const index of assignment.get(member) ?? []) {
          const partition = partitions[index];
          if (partition?.topicIndex === topicIndex) rate += windowRate(partition.committedHistory);
        }
        busiestMemberRate = Math.max(busiestMemberRate ?? 0, rate);
      }
      return {
        topic: topic.name,
        partitions: topic.partitions,
        scalableLag,
        excludedLag,
        maxPartitionLag,
        productionRate: window <= 0 ? undefined : productionRate,
        maxPartitionProductionRate: window <= 0 ? undefined : maxPartitionProductionRate,
        consumptionRatePerTask: window <= 0 ? undefined : busiestMemberRate,
        timeLagSeconds,
      };
    });
    return {
      topics,
      group: {
        state: members.length === 0 ? 'Empty' : rebalanceUntil !== undefined ? 'PreparingRebalance' : 'Stable',
        members: members.length,
        freshness,
      },
      service: {
        desired: members.length + starting.length,
        running: members.length,
        pending: starting.length,
        deploymentSteady: starting.length === 0,
      },
    };
  };

  for (let second = 0; second < duration; second += 1) {
    const step = Math.floor(second / trace.stepSeconds);
    let neededTasks = 0;
    for (const partition of partitions) {
      const topicRate = topicRates[partition.topicIndex]?.[step] ?? 0;
      partition.end += topicRate * partition.share;
      if (!poisonedAt(partition, second)) neededTasks += (topicRate * partition.share) / throughput;
    }
    lowerBoundTaskSeconds += neededTasks;

    const ready = starting.filter((task) => task.readyAt <= second);
    if (ready.length > 0) {
      starting = starting.filter((task) => task.readyAt > second);
      members = [...members, ...ready.map((task) => task.id)];
      startRebalance(second);
    }
    if (rebalanceUntil !== undefined && second >= rebalanceUntil) {
      rebalanceUntil = undefined;
      movedPartitions = new Set();
      if (!cooperative) assignment = assignPartitions(partitions, members, options.assignor);
    }
    if (rebalanceUntil === undefined) {
      for (const member of members) consume(partitions, assignment.get(member) ?? [], throughput, second);
    } else if (cooperative) {
      // Only moved partitions wait; the rest keep being consumed by their (unchanged) owners.
      for (const member of members) {
        const working = (assignment.get(member) ?? []).filter((index) => !movedPartitions.has(index));
        consume(partitions, working, throughput, second);
      }
      pausedPartitionSeconds += movedPartitions.size;
    } else {
      pausedPartitionSeconds += partitions.length;
    }

    for (const [index, ends] of topicEnd.entries()) {
      let endSum = 0;
      let committedSum = 0;
      for (const partition of partitions) {
        if (partition.topicIndex !== index) continue;
        endSum += partition.end;
        committedSum += partition.committed;
      }
      ends[second + 1] = endSum;
      const commits = topicCommitted[index];
      if (commits !== undefined) commits[second + 1] = committedSum;
    }
    for (const partition of partitions) {
      partition.endHistory[second + 1] = partition.end;
      partition.committedHistory[second + 1] = partition.committed;
    }

    taskSeconds += members.length + starting.length;
    let secondTimeLag = 0;
    for (const partition of partitions) {
      if (!poisonedAt(partition, second)) secondTimeLag = Math.max(secondTimeLag, timeLagOf(partition, second));
    }
    maxTimeLag = Math.max(maxTimeLag, secondTimeLag);
    if (secondTimeLag > options.drainTargetSeconds) overSeconds += 1;

    if (second % options.seriesEverySeconds === 0) {
      let lag = 0;
      let stuckLag = 0;
      for (const partition of partitions) {
        const partitionLag = partition.end - partition.committed;
        if (poisonedAt(partition, second)) stuckLag += partitionLag;
        else lag += partitionLag;
      }
      series.push({
        second,
        lag,
        stuckLag,
        tasks: members.length + starting.length,
        timeLagSeconds: secondTimeLag,
        neededTasks,
      });
    }

    if (second % policy.pollSeconds === 0) {
      const observation = observe(second);
      const current = observation.service.desired;
      const step = policy.decide(observation, state, options.startEpochMs + (second + 1) * 1000);
      state = step.state;
      const desired = Math.max(0, Math.round(step.desired));
      if (desired > current) {
        for (let i = current; i < desired; i += 1) {
          starting.push({ id: nextTaskId++, readyAt: second + 1 + options.taskStartSeconds });
        }
      } else if (desired < current) {
        let toStop = current - desired;
        // Cancel tasks still starting first (no rebalance), then stop the newest members gracefully.
        while (toStop > 0 && starting.length > 0) {
          starting = starting.slice(0, -1);
          toStop -= 1;
        }
        if (toStop > 0) {
          members = members.slice(0, members.length - toStop);
          startRebalance(second + 1);
        }
      }
      if (desired !== current)
        scaleEvents.push({ second: second + 1, from: current, to: desired, reason: step.reason });
    }
  }

  const taskMinutes = taskSeconds / 60;
  const lowerBoundTaskMinutes = lowerBoundTaskSeconds / 60;
  return {
    trace: trace.name,
    policy: policy.name,
    durationSeconds: duration,
    taskMinutes,
    lowerBoundTaskMinutes,
    ratioToLowerBound: lowerBoundTaskMinutes > 0 ? taskMinutes / lowerBoundTaskMinutes : Infinity,
    minutesOverDrainTarget: overSeconds / 60,
    maxTimeLagSeconds: maxTimeLag,
    rebalances,
    scaleActions: scaleEvents.length,
    pausedPartitionSeconds,
    series,
    scaleEvents,
  };
}
