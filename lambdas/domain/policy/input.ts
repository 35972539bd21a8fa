/**
 * The policy's own narrow input and output. The application layer maps the lag engine's summaries and
 * the service description into `PolicyObservation`; the policy never sees offsets or Kafka types.
 * All numbers are plain JS numbers; "unknown" is `undefined`, never a sentinel.
 */
import type { GroupState } from '../lag/snapshot';
import type { PolicyConfig } from './config';

/** One topic the group consumes, as measured this tick. */
export interface TopicObservation {
  readonly topic: string;
  /** Partitions of the topic (> 0). */
  readonly partitions: number;
  /** Lag (messages) scaling can reduce: excludes partitions the lag engine marked STALLED or unfixable. */
  readonly scalableLag: number;
  /** Lag (messages) of the excluded partitions: reported, never scaled on. */
  readonly excludedLag: number;
  /** Largest lag (messages) of one scalable partition. */
  readonly maxPartitionLag: number;
  /** Messages produced per second over the rate window, or undefined until two points exist. */
  readonly productionRate: number | undefined;
  /** Production (msg/s) of the hottest scalable partition, or undefined (then an even spread is assumed). */
  readonly maxPartitionProductionRate: number | undefined;
  /**
   * Messages consumed per second by one task over the rate window: the busiest member's rate where the
   * assignment is known (a member with a backlog runs at its capacity; an average over idle members
   * would understate it), else the topic's rate / members. Undefined with no members or no history.
   */
  readonly consumptionRatePerTask: number | undefined;
  /** Age (seconds) of the oldest unconsumed scalable message, or undefined. */
  readonly timeLagSeconds: number | undefined;
  /** Messages the whole group consumed per second over the rate window, or undefined. */
  readonly consumptionRate: number | undefined;
  /**
   * A capacity sample (msg/s per task): the median rate of the members that had queued work at every
   * point of the rate window. Undefined when no member was saturated: a member that ran dry (silence,
   * caught up, idle) consumed what was produced, not what it could.
   */
  readonly saturatedRatePerTask: number | undefined;
  /** The fastest member's rate (msg/s): a task can do at least this much. */
  readonly fastestMemberRate: number | undefined;
  /** The scalable partition producing the most over the window: its production, lag and time lag. */
  readonly hottestPartition:
    | {
        readonly partition: number;
        readonly productionRate: number;
        readonly lag: number;
        readonly timeLagSeconds: number | undefined;
      }
    | undefined;
  /** Age (seconds) of the oldest unconsumed message on the scalable partitions other than the hottest. */
  readonly timeLagSecondsWithoutHottest: number | undefined;
  /** The topic's production per interval between snapshots, oldest first (for a short-horizon forecast). */
  readonly recentProduction: readonly { readonly seconds: number; readonly perSecond: number }[];
  /** Partitions the group has never committed on (under `latest` their lag reads 0 however much is produced). */
  readonly partitionsWithoutCommit: number;
}

/** Kafka's group states as the coordinator reports them (classic and consumer protocol), plus Unknown. */
export type GroupStateName = GroupState;

/**
 * How trustworthy this tick's lag is: `partial` = some partitions unreadable (lag is a lower bound),
 * `stale` = the read is older than the tick, `missing` = no read at all.
 */
export type DataFreshness = 'complete' | 'partial' | 'stale' | 'missing';

export interface GroupObservation {
  readonly state: GroupStateName;
  readonly members: number;
  readonly freshness: DataFreshness;
  /** The group's rebalance protocol: 'consumer' is KIP-848 (broker-side assignment). @default 'classic' */
  readonly protocol?: 'classic' | 'consumer';
  /**
   * Consumer protocol: every member's epoch equals the target assignment's epoch and it owns exactly
   * its target partitions (computed by the lag engine's `isReconciled`). @default true
   */
  readonly reconciled?: boolean;
}

/** The ECS service (or local process pool) the group runs on. */
export interface ServiceObservation {
  /** The count we last asked for: every decision is relative to it. */
  readonly desired: number;
  readonly running: number;
  readonly pending: number;
  /** True when no deployment is rolling (ECS: one PRIMARY deployment, rolloutState COMPLETED). */
  readonly deploymentSteady: boolean;
}

/** Everything measured this tick. */
export interface PolicyObservation {
  readonly topics: readonly TopicObservation[];
  readonly group: GroupObservation;
  readonly service: ServiceObservation;
}

/** A recommendation recorded for the scale-in stabilization window. */
export interface Recommendation {
  readonly atMs: number;
  readonly tasks: number;
}

export type ScaleDirection = 'out' | 'in';

export interface LastAction {
  readonly atMs: number;
  readonly direction: ScaleDirection;
  readonly from: number;
  readonly to: number;
}

/** What the policy remembers between ticks (persisted by the StateStore; Lambda has no memory). */
export interface PolicyMemory {
  /** Recommendations inside the stabilization window, oldest first. */
  readonly recommendations: readonly Recommendation[];
  readonly lastAction: LastAction | undefined;
  /** When the policy started waiting for the group to settle; undefined while settled. */
  readonly settleWaitStartMs: number | undefined;
  /** When the group was last seen to become settled; undefined while not settled. */
  readonly settledSinceMs: number | undefined;
  /**
   * Per-task capacity (msg/s) per topic, measured while the group was busy (had a backlog) and settled.
   * A caught-up group consumes only what is produced, so its rate would understate capacity.
   */
  readonly capacityPerTask: Readonly<Record<string, number>>;
  /** The capacity samples behind each estimate, newest last (absent in states saved before samples). */
  readonly capacitySamples?: Readonly<Record<string, readonly CapacitySample[]>>;
  /**
   * Per topic, the highest capacity a task has certainly shown (msg/s) in the last day: a lower bound
   * that may justify a scale-in while no saturated sample exists (absent in older states).
   */
  readonly capacityFloor?: Readonly<Record<string, CapacitySample>>;
}

/** One capacity measurement: a saturated member's rate (msg/s per task) at a time. */
export interface CapacitySample {
  readonly atMs: number;
  readonly perSecond: number;
}

/** The memory of a target never seen before. */
export const emptyPolicyMemory: PolicyMemory = {
  recommendations: [],
  lastAction: undefined,
  settleWaitStartMs: undefined,
  settledSinceMs: undefined,
  capacityPerTask: {},
  capacitySamples: {},
  capacityFloor: {},
};

/** All the policy needs for one decision. */
export interface PolicyInput {
  readonly observation: PolicyObservation;
  readonly memory: PolicyMemory;
  readonly config: PolicyConfig;
}

/** The rule that decided: a gate of `decideScaling` (rules.ts), or the sizing rule behind a scale. */
export type PolicyRule =
  | 'no-data' // freshness missing/stale, or no topics: hold
  | 'bounds' // desired outside [min, max] or above the partition cap: move inside
  | 'settling' // group or service not settled yet: wait
  | 'activation' // at zero tasks, lag above activationLag: start
  | 'scale-to-zero' // idle: stop all tasks
  | 'drain-target' // rate-based sizing (measured capacity) asked for a change
  | 'lag-threshold' // fallback sizing (no capacity known) asked for a change
  | 'hot-partition' // a partition no count can drain: sized for the rest of the group, held there
  | 'behind' // late (time lag past the drain target) or falling behind while sizing says it fits: one step more
  | 'at-target' // the recommendation equals the current count
  | 'not-worth-rebalance' // a scale-out would save less drain time than the pause costs
  | 'scale-out-cooldown'
  | 'scale-in-cooldown'
  | 'stabilization' // a recommendation in the window is higher than the scale-in target
  | 'partial-data-no-scale-in'; // partial data may scale out, never in

/** The numbers behind a decision, for the log, the state store and a metric. */
export interface DecisionInputs {
  readonly current: number;
  readonly recommended: number;
  /** Partition count used for the cap: the largest topic's. */
  readonly capPartitions: number;
  readonly lower: number;
  readonly upper: number;
  readonly scalableLag: number;
  readonly excludedLag: number;
  readonly productionRate: number | undefined;
  readonly capacityPerTask: number | undefined;
  /** Projected seconds to drain the busiest member's backlog at the current count (Infinity = never). */
  readonly drainSecondsNow: number | undefined;
  /** Projected seconds at the recommended count, including one rebalance pause when it differs. */
  readonly drainSecondsRecommended: number | undefined;
  readonly timeLagSeconds: number | undefined;
  readonly freshness: DataFreshness;
  /** Partitions no task count can drain (each alone produces more than a task consumes): named, not chased. */
  readonly hotPartitions: number;
  readonly detail: string;
}

/** A decision: change the desired count, or keep it, with the rule that fired and its numbers. */
export type ScalingDecision =
  | {
      readonly kind: 'scale';
      readonly from: number;
      readonly to: number;
      readonly direction: ScaleDirection;
      readonly rule: PolicyRule;
      readonly inputs: DecisionInputs;
      /** True when config.dryRun: record the decision, do not call setDesired. */
      readonly dryRun: boolean;
    }
  | {
      readonly kind: 'hold';
      readonly rule: PolicyRule;
      readonly inputs: DecisionInputs;
      /** What sizing alone would have chosen (may equal the current count). */
      readonly recommended: number;
    };

/** The decision plus the memory to persist for the next tick. */
export interface PolicyOutcome {
  readonly decision: ScalingDecision;
  readonly memory: PolicyMemory;
}
