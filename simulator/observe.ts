/**
 * Observe: at a poll, what the scaler's ports would return in production. The offset reader's
 * `GroupSnapshot` (whole committed and end offsets, the members and their assignment, the group state),
 * and the service's desired/running/pending counts. Policies take it from there: ours through the
 * tick's own pure pipeline (lag engine -> observation -> policy), the baselines through the metrics
 * their originals read. A data gap in the trace is a read that failed (`missing`), an answer from an
 * earlier poll (`stale`), or odd partitions without a leader (`partial`).
 */
import type { GroupMember, GroupReadResult, GroupSnapshot, PartitionSnapshot } from '#domain/lag/snapshot';
import type { ServiceObservation } from '#domain/policy/index';
import type { SimPartition } from './cluster';
import type { SimState } from './state';
import type { Trace } from './trace';

/** The consumer group's name in every simulated read. */
export const SIMULATED_GROUP = 'simulated-group';

/** What every policy sees at one poll. */
export interface ClusterView {
  /** The reader's answer; undefined when Kafka could not be read at all. */
  readonly read: GroupReadResult | undefined;
  readonly service: ServiceObservation;
  /** The poll's time (epoch ms). */
  readonly nowMs: number;
}

type Freshness = 'complete' | 'partial' | 'stale' | 'missing';

/** Observe: the read and the service at `second`, as production's adapters would report them. */
export function observe<S>(state: SimState<S>, second: number, nowMs: number): ClusterView {
  const freshness = freshnessAt(state.trace, second);
  const service = serviceOf(state);
  if (freshness === 'missing') return { read: undefined, service, nowMs };
  if (freshness === 'stale' && state.lastSnapshot !== undefined) {
    return { read: { kind: 'ok', snapshot: state.lastSnapshot }, service, nowMs };
  }
  const snapshot = snapshotOf(state, nowMs, freshness === 'partial');
  state.lastSnapshot = snapshot;
  return { read: { kind: 'ok', snapshot }, service, nowMs };
}

/** The trace's data-gap freshness at `second`, or 'complete' outside every gap. */
export function freshnessAt(trace: Trace, second: number): Freshness {
  const gap = trace.dataGaps.find(
    (candidate) =>
      second >= candidate.fromSecond && (candidate.untilSecond === undefined || second < candidate.untilSecond),
  );
  return gap?.freshness ?? 'complete';
}

/** The service as ECS describes it: desired = members + tasks still starting. */
export function serviceOf<S>(state: SimState<S>): ServiceObservation {
  const { members, starting } = state;
  return {
    desired: members.length + starting.length,
    running: members.length,
    pending: starting.length,
    deploymentSteady: starting.length === 0,
  };
}

/** The reader's snapshot: whole offsets, members with their assignment while Stable, the group state. */
export function snapshotOf<S>(state: SimState<S>, nowMs: number, partial: boolean): GroupSnapshot {
  const rebalancing = state.rebalanceUntilSecond !== undefined;
  return {
    group: SIMULATED_GROUP,
    observedAtMs: nowMs,
    state: state.members.length === 0 ? 'Empty' : rebalancing ? 'PreparingRebalance' : 'Stable',
    isolation: 'read_uncommitted',
    protocol: 'classic',
    members: state.members.map((id) => memberOf(state, id, rebalancing)),
    partitions: state.partitions.map((partition) => partitionOf(state.trace, partition, partial)),
  };
}

/** A member as DescribeGroups shows it: its assignment, empty while the group rebalances. */
function memberOf<S>(state: SimState<S>, id: number, rebalancing: boolean): GroupMember {
  const byTopic = new Map<string, number[]>();
  for (const index of rebalancing ? [] : (state.assignment.get(id) ?? [])) {
    const partition = state.partitions[index];
    const topic = partition === undefined ? undefined : state.trace.topics[partition.topicIndex]?.name;
    if (partition === undefined || topic === undefined) continue;
    byTopic.set(topic, [...(byTopic.get(topic) ?? []), partition.partition]);
  }
  return {
    memberId: `task-${id}`,
    clientId: 'simulated-consumer',
    host: `/10.0.0.${id % 250}`,
    assignment: [...byTopic].map(([topic, partitions]) => ({ topic, partitions: partitions.sort((a, b) => a - b) })),
  };
}

/** One partition's offsets as whole messages; with partial data, odd partitions have no leader. */
function partitionOf(trace: Trace, partition: SimPartition, partial: boolean): PartitionSnapshot {
  const topic = trace.topics[partition.topicIndex]?.name ?? '';
  const committed = { kind: 'committed', offset: BigInt(Math.floor(partition.committed)) } as const;
  if (partial && partition.partition % 2 === 1) {
    return {
      topic,
      partition: partition.partition,
      committed,
      end: { kind: 'unavailable', reason: 'no-leader', detail: 'simulated data gap' },
    };
  }
  const end = { kind: 'available', logStart: 0n, end: BigInt(Math.floor(partition.end)) } as const;
  return { topic, partition: partition.partition, committed, end };
}
