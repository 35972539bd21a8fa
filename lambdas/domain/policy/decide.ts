/**
 * The scaling policy: one pure function from (observation, memory, config, now) to a decision and the
 * memory to persist. Rules run in a fixed order and the first that decides names itself in the result.
 */
import { capPartitions, usefulAtLeast, usefulAtMost } from './assignment';
import type { PolicyConfig } from './config';
import type {
  DecisionInputs,
  GroupObservation,
  PolicyInput,
  PolicyMemory,
  PolicyObservation,
  PolicyOutcome,
  PolicyRule,
  Recommendation,
  ScaleDirection,
  TopicObservation,
} from './input';
import { drainSeconds, drainSecondsAfterChange, keepsUp, sizeForDrainTarget, type TopicLoad } from './sizing';

/** A topic counts as busy (its consumers never waited for data) with at least this much queued work. */
const BUSY_BACKLOG_SECONDS = 15;

/** The task range this observation allows: [lower, upper], both useful counts where possible. */
interface TaskBounds {
  readonly lower: number;
  readonly upper: number;
}

/**
 * The cap: the largest topic's partition count unless allowIdleConsumers, snapped down to a useful
 * count (maxTasks 5 on 12 partitions means 4). minTasks is snapped up to a useful count when one fits,
 * because a count with the same busiest-member load as a smaller one only adds a rebalance.
 */
export function taskBounds(partitionCounts: readonly number[], config: PolicyConfig): TaskBounds {
  const cap = capPartitions(partitionCounts);
  if (config.allowIdleConsumers) {
    const lower = Math.max(config.minTasks, 1);
    const snapped = lower <= cap ? usefulAtLeast(partitionCounts, lower) : undefined;
    return { lower: snapped !== undefined && snapped <= config.maxTasks ? snapped : lower, upper: config.maxTasks };
  }
  const floor = Math.min(config.minTasks, cap);
  // Snapping maxTasks down must not undercut minTasks: min = max = 4 on 5 partitions means 4.
  const upper = Math.max(usefulAtMost(partitionCounts, Math.min(config.maxTasks, cap)) ?? 1, floor);
  const snapped = usefulAtLeast(partitionCounts, floor);
  const lower = snapped !== undefined && snapped <= upper ? snapped : floor;
  return { lower, upper };
}

interface Capacity {
  /** Capacity estimate per topic (msg/s per task), undefined where none is known. */
  readonly perTopic: readonly (number | undefined)[];
  readonly remembered: Readonly<Record<string, number>>;
}

/** How far this tick's per-task rate can be trusted. */
interface RateTrust {
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

/**
 * A caught-up group consumes only what is produced, so its measured rate says little about capacity;
 * only a busy topic's rate measures it. Remembered capacity is replaced by an exact busy rate and
 * raised by a lower-bound one, so one well-measured busy period keeps serving after the group drains.
 */
function estimateCapacity(
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

function toLoads(topics: readonly TopicObservation[], capacity: Capacity): readonly TopicLoad[] | undefined {
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

/** Keep the recommendations of the window plus the last one before it (it was in force at the window's start). */
function pruneRecommendations(
  recommendations: readonly Recommendation[],
  now: number,
  windowMs: number,
): readonly Recommendation[] {
  const start = now - windowMs;
  let firstKept = 0;
  recommendations.forEach((recommendation, index) => {
    if (recommendation.atMs <= start) firstKept = index;
  });
  return recommendations.slice(firstKept);
}

/** The highest recommendation in force during the window, and whether history covers the whole window. */
export function stabilizedRecommendation(
  recommendations: readonly Recommendation[],
  now: number,
  windowMs: number,
): { readonly tasks: number | undefined; readonly covered: boolean } {
  const kept = pruneRecommendations(recommendations, now, windowMs);
  const first = kept[0];
  const covered = windowMs <= 0 || (first !== undefined && first.atMs <= now - windowMs);
  const tasks = kept.reduce<number | undefined>(
    (max, rec) => (max === undefined ? rec.tasks : Math.max(max, rec.tasks)),
    undefined,
  );
  return { tasks, covered };
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

function knownSum(values: readonly (number | undefined)[]): number | undefined {
  let total = 0;
  for (const value of values) {
    if (value === undefined) return undefined;
    total += value;
  }
  return total;
}

function isSettled(observation: PolicyObservation): boolean {
  const { group, service } = observation;
  const serviceSteady = service.running === service.desired && service.pending === 0 && service.deploymentSteady;
  if (!serviceSteady) return false;
  if (service.desired === 0) return group.members === 0;
  // A consumer-protocol (KIP-848) group moves partitions member by member: settled once all reconciled.
  if (group.protocol === 'consumer' && group.reconciled !== true) return false;
  return group.state === 'Stable' && group.members === service.running;
}

/** The config with the pause of the group's own protocol as `rebalancePauseSeconds`. */
function withProtocolPause(config: PolicyConfig, protocol: GroupObservation['protocol']): PolicyConfig {
  return protocol === 'consumer'
    ? { ...config, rebalancePauseSeconds: config.consumerProtocolRebalancePauseSeconds }
    : config;
}

/** Step bound, rounded to a useful count in the direction of travel (a useless count buys only a rebalance). */
function boundStep(
  partitionCounts: readonly number[],
  move: { readonly from: number; readonly to: number; readonly maxStep: number | undefined },
  bounds: TaskBounds,
): number {
  const { from, to, maxStep } = move;
  if (to > from) {
    const limit = maxStep === undefined ? to : Math.min(to, from + maxStep);
    const within = usefulAtMost(partitionCounts, limit);
    if (within !== undefined && within > from) return within;
    return Math.min(usefulAtLeast(partitionCounts, from + 1) ?? to, bounds.upper);
  }
  if (to === 0) return 0;
  // Scale-in keeps the busiest member at least as light as the target asks: snap the target up.
  const wanted = Math.max(usefulAtLeast(partitionCounts, to) ?? to, bounds.lower);
  if (wanted >= from || maxStep === undefined || wanted >= from - maxStep) return wanted;
  const within = usefulAtLeast(partitionCounts, from - maxStep);
  if (within !== undefined && within < from) return within;
  return Math.max(usefulAtMost(partitionCounts, from - 1) ?? wanted, wanted);
}

/**
 * Decide the desired task count for one consumer group's service.
 *
 * @param input - this tick's observation, the remembered state and the validated config
 * @param now - epoch milliseconds of this tick
 * @returns a `scale` or `hold` decision naming its rule and numbers, and the memory to persist
 */
export function decideScaling(input: PolicyInput, now: number): PolicyOutcome {
  const { observation, memory } = input;
  const config = withProtocolPause(input.config, observation.group.protocol);
  const { topics, group, service } = observation;
  const current = service.desired;
  const partitionCounts = topics.map((topic) => topic.partitions);
  const scalableLag = sum(topics.map((topic) => topic.scalableLag));
  const excludedLag = sum(topics.map((topic) => topic.excludedLag));
  const productionRate = knownSum(topics.map((topic) => topic.productionRate));
  const timeLagSeconds = topics.reduce<number | undefined>(
    (max, topic) =>
      topic.timeLagSeconds === undefined ? max : Math.max(max ?? topic.timeLagSeconds, topic.timeLagSeconds),
    undefined,
  );
  const baseInputs = {
    current,
    capPartitions: capPartitions(partitionCounts),
    scalableLag,
    excludedLag,
    productionRate,
    timeLagSeconds,
    freshness: group.freshness,
  };

  // Fail safe: without a fresh read there is nothing to size on, and no memory changes.
  if (topics.length === 0 || group.freshness === 'missing' || group.freshness === 'stale') {
    return {
      decision: {
        kind: 'hold',
        rule: 'no-data',
        recommended: current,
        inputs: {
          ...baseInputs,
          recommended: current,
          lower: current,
          upper: current,
          capacityPerTask: undefined,
          drainSecondsNow: undefined,
          drainSecondsRecommended: undefined,
          detail: topics.length === 0 ? 'no topics observed' : `data is ${group.freshness}`,
        },
      },
      memory,
    };
  }

  const bounds = taskBounds(partitionCounts, config);
  const inputsFor = (recommended: number, extra: Partial<DecisionInputs>): DecisionInputs => ({
    ...baseInputs,
    recommended,
    lower: bounds.lower,
    upper: bounds.upper,
    capacityPerTask: undefined,
    drainSecondsNow: undefined,
    drainSecondsRecommended: undefined,
    detail: '',
    ...extra,
  });
  const hold = (
    rule: PolicyRule,
    recommended: number,
    extra: Partial<DecisionInputs>,
    next: PolicyMemory,
  ): PolicyOutcome => ({
    decision: { kind: 'hold', rule, recommended, inputs: inputsFor(recommended, extra) },
    memory: next,
  });
  const scale = (rule: PolicyRule, to: number, extra: Partial<DecisionInputs>, next: PolicyMemory): PolicyOutcome => {
    const direction: ScaleDirection = to > current ? 'out' : 'in';
    return {
      decision: {
        kind: 'scale',
        from: current,
        to,
        direction,
        rule,
        dryRun: config.dryRun,
        inputs: inputsFor(to, extra),
      },
      // A dry run changes nothing, so it must not start cooldowns either.
      memory: config.dryRun
        ? next
        : {
            ...next,
            lastAction: { atMs: now, direction, from: current, to },
            settleWaitStartMs: undefined,
            settledSinceMs: undefined,
          },
    };
  };

  // Configuration bounds are not data: correct them even before the group settles.
  if (current > bounds.upper && current > 0) {
    return scale('bounds', bounds.upper, { detail: `desired ${current} above the cap ${bounds.upper}` }, memory);
  }
  if (current < bounds.lower && (current > 0 || !config.scaleToZero)) {
    return scale('bounds', bounds.lower, { detail: `desired ${current} below the floor ${bounds.lower}` }, memory);
  }

  // Settle gate: decide only on a group whose membership matches the service, or after the timeout.
  const settled = isSettled(observation);
  const settleWaitStartMs = settled ? undefined : (memory.settleWaitStartMs ?? now);
  const settledSinceMs = settled ? (memory.settledSinceMs ?? now) : undefined;
  const settleTimedOut =
    settleWaitStartMs !== undefined && now - settleWaitStartMs >= config.settleTimeoutSeconds * 1000;
  if (!settled && !settleTimedOut) {
    return hold(
      'settling',
      current,
      {
        detail: `group ${group.state}, members ${group.members}, running ${service.running}/${service.desired}, pending ${service.pending}, deployment ${service.deploymentSteady ? 'steady' : 'rolling'}`,
      },
      { ...memory, settleWaitStartMs, settledSinceMs },
    );
  }

  const trustworthy = settledSinceMs !== undefined && now - settledSinceMs >= config.rateWindowSeconds * 1000;
  const lastScaleInMs = memory.lastAction?.direction === 'in' ? memory.lastAction.atMs : undefined;
  const capacity = estimateCapacity(
    topics,
    memory,
    {
      exact: trustworthy,
      lowerBound: lastScaleInMs === undefined || now - lastScaleInMs >= config.rateWindowSeconds * 1000,
      pauseCorrection:
        trustworthy || config.rateWindowSeconds <= config.rebalancePauseSeconds
          ? 1
          : config.rateWindowSeconds / (config.rateWindowSeconds - config.rebalancePauseSeconds),
    },
    group.members,
  );
  const loads = toLoads(topics, capacity);
  const capacityPerTask = capacity.perTopic.reduce<number | undefined>(
    (min, value) => (value === undefined ? min : Math.min(min ?? value, value)),
    undefined,
  );

  // Size: scale to zero when idle, else by drain target from measured rates, else by the lag threshold.
  const idle =
    config.scaleToZero && scalableLag <= config.activationLag && topics.every((topic) => topic.productionRate === 0);
  let recommended: number;
  let sizingRule: PolicyRule;
  let meetsTarget = true;
  if (idle) {
    recommended = 0;
    sizingRule = 'scale-to-zero';
  } else if (loads !== undefined) {
    const sizing = sizeForDrainTarget({
      loads,
      current,
      drainTargetSeconds: config.drainTargetSeconds,
      utilization: config.targetUtilization,
      pauseSeconds: config.rebalancePauseSeconds,
      startSeconds: config.taskStartSeconds,
    });
    recommended = sizing.tasks;
    meetsTarget = sizing.meetsTarget;
    sizingRule = 'drain-target';
  } else {
    const byLag = usefulAtLeast(partitionCounts, Math.ceil(scalableLag / config.lagPerTaskThreshold)) ?? bounds.upper;
    // Old data behind a threshold set too high: the time lag still says the group is late.
    const late = timeLagSeconds !== undefined && timeLagSeconds > config.drainTargetSeconds;
    recommended = late && byLag <= current ? (usefulAtLeast(partitionCounts, current + 1) ?? byLag) : byLag;
    sizingRule = 'lag-threshold';
  }
  if (recommended !== 0) recommended = Math.min(bounds.upper, Math.max(bounds.lower, recommended, 1));
  if (current === 0 && recommended > 0 && sizingRule !== 'scale-to-zero') sizingRule = 'activation';

  const drainSecondsNow = loads === undefined ? undefined : drainSeconds(loads, current, 0);
  const drainSecondsRecommended =
    loads === undefined
      ? undefined
      : drainSecondsAfterChange(
          { loads, current, pauseSeconds: config.rebalancePauseSeconds, startSeconds: config.taskStartSeconds },
          recommended,
        );

  const numbers: Partial<DecisionInputs> = { capacityPerTask, drainSecondsNow, drainSecondsRecommended };

  // Partial lag is a lower bound: it may raise the window's maximum but must never lower it.
  const windowMs = config.scaleInStabilizationSeconds * 1000;
  const recommendations =
    group.freshness === 'complete'
      ? pruneRecommendations([...memory.recommendations, { atMs: now, tasks: recommended }], now, windowMs)
      : pruneRecommendations(memory.recommendations, now, windowMs);
  const next: PolicyMemory = {
    ...memory,
    recommendations,
    settleWaitStartMs,
    settledSinceMs,
    capacityPerTask: capacity.remembered,
  };

  if (recommended === current) {
    return hold('at-target', recommended, { ...numbers, detail: `${sizingRule}: ${current} tasks fit` }, next);
  }

  const sinceLastActionMs = memory.lastAction === undefined ? Infinity : now - memory.lastAction.atMs;

  if (recommended > current) {
    if (current === 0 && scalableLag <= config.activationLag) {
      return hold(
        'activation',
        recommended,
        { ...numbers, detail: `lag ${scalableLag} <= activationLag ${config.activationLag}` },
        next,
      );
    }
    if (memory.lastAction?.direction === 'out' && sinceLastActionMs < config.scaleOutCooldownSeconds * 1000) {
      return hold(
        'scale-out-cooldown',
        recommended,
        { ...numbers, detail: `last scale-out ${sinceLastActionMs / 1000}s ago` },
        next,
      );
    }
    // Weigh the pause: when the current count keeps up, a step must save more drain time than it costs.
    if (
      loads !== undefined &&
      current > 0 &&
      keepsUp(loads, current, config.targetUtilization) &&
      drainSecondsNow !== undefined &&
      drainSecondsRecommended !== undefined &&
      (drainSecondsNow <= config.drainTargetSeconds ||
        drainSecondsNow - drainSecondsRecommended <= config.rebalancePauseSeconds)
    ) {
      return hold(
        'not-worth-rebalance',
        recommended,
        {
          ...numbers,
          detail: `saves ${(drainSecondsNow - drainSecondsRecommended).toFixed(1)}s of drain for a ${config.rebalancePauseSeconds}s pause${meetsTarget ? '' : ' (target unreachable)'}`,
        },
        next,
      );
    }
    const to =
      current === 0
        ? recommended
        : boundStep(partitionCounts, { from: current, to: recommended, maxStep: config.maxStepUp }, bounds);
    return scale(sizingRule, to, { ...numbers, detail: `${sizingRule} recommends ${recommended}` }, next);
  }

  // Scale-in: only on complete data, on a settled group, after the cooldown and the stabilization window.
  if (group.freshness !== 'complete') {
    return hold('partial-data-no-scale-in', recommended, { ...numbers, detail: 'lag is a lower bound' }, next);
  }
  if (!settled) {
    return hold(
      'settling',
      recommended,
      { ...numbers, detail: 'settle timeout passed; scale-in waits for a settled group' },
      next,
    );
  }
  if (sinceLastActionMs < config.scaleInCooldownSeconds * 1000) {
    return hold(
      'scale-in-cooldown',
      recommended,
      { ...numbers, detail: `last action ${sinceLastActionMs / 1000}s ago` },
      next,
    );
  }
  const stabilized = stabilizedRecommendation(recommendations, now, windowMs);
  if (!stabilized.covered || stabilized.tasks === undefined || stabilized.tasks >= current) {
    return hold(
      'stabilization',
      recommended,
      {
        ...numbers,
        detail: stabilized.covered
          ? `highest recommendation in the window is ${stabilized.tasks ?? current}`
          : 'history does not cover the stabilization window yet',
      },
      next,
    );
  }
  const target = stabilized.tasks;
  const to =
    target === 0 ? 0 : boundStep(partitionCounts, { from: current, to: target, maxStep: config.maxStepDown }, bounds);
  if (to >= current) {
    return hold(
      'stabilization',
      recommended,
      { ...numbers, detail: `no useful count between ${target} and ${current}` },
      next,
    );
  }
  return scale(target === 0 ? 'scale-to-zero' : sizingRule, to, { ...numbers, detail: `window max ${target}` }, next);
}
