/**
 * Group and group+topic summaries of per-partition lag, with the assignment facts the scaler sizes on
 * (members, idle members, the busiest member). Every total is a plain sum of the parts below it.
 */
import { isKnownLag, lostRecords, partitionKey } from './partition-lag';
import type { PartitionLag, PartitionLagKind } from './partition-lag';
import type { GroupMember, GroupSnapshot, GroupState } from './snapshot';

/** Totals over a set of partitions. Unknown (`unavailable`) partitions add nothing to the lag sums. */
export interface LagTotals {
  /** Sum of known partition lags (records). A lower bound when `kinds.unavailable > 0`. */
  readonly totalLag: bigint;
  /** Largest known partition lag (0 when none is known). */
  readonly maxPartitionLag: bigint;
  /** Partitions whose known lag is > 0. */
  readonly partitionsWithLag: number;
  readonly partitionCount: number;
  /** Records deleted below the log start before the group read them. */
  readonly lostRecords: bigint;
  /** How many partitions fall in each case. */
  readonly kinds: Readonly<Record<PartitionLagKind, number>>;
  /** True when some partition's lag is unknown, so `totalLag` and `maxPartitionLag` are lower bounds. */
  readonly lagIsLowerBound: boolean;
}

/** One member's share of the lag. */
export interface MemberLoad {
  readonly memberId: string;
  readonly clientId: string;
  readonly host: string;
  /** Partitions assigned to the member (in the scope of the summary: the group, or one topic). */
  readonly partitionCount: number;
  /** Sum of the known lag of those partitions. */
  readonly lag: bigint;
}

/** Assignment facts over a scope (the whole group, or one topic). */
export interface AssignmentTotals {
  readonly memberCount: number;
  /** Members with no partition in scope: adding tasks past the partition count only adds these. */
  readonly idleMembers: number;
  /** The member with the most lag (ties: more partitions, then memberId); undefined without members. */
  readonly busiestMember: MemberLoad | undefined;
  /** The most partitions any one member holds in scope (0 without members). */
  readonly maxPartitionsPerMember: number;
  /** Partitions in scope that no member holds (group empty, rebalancing, or not subscribed). */
  readonly unassignedPartitions: number;
  readonly unassignedLag: bigint;
}

/** Lag of one topic for one group. */
export interface TopicLagSummary extends LagTotals, AssignmentTotals {
  readonly topic: string;
}

/** Lag of one group over all its topics; its totals are the sums of `topics`. */
export interface GroupLagSummary extends LagTotals, AssignmentTotals {
  readonly group: string;
  readonly state: GroupState;
  /** Topics in order of first appearance in the snapshot. */
  readonly topics: readonly TopicLagSummary[];
}

function emptyKinds(): Record<PartitionLagKind, number> {
  return { measured: 0, 'no-commit': 0, 'below-log-start': 0, 'beyond-end': 0, unavailable: 0 };
}

/** Totals over any list of partitions. */
export function totalsOf(partitions: readonly PartitionLag[]): LagTotals {
  const kinds = emptyKinds();
  let totalLag = 0n;
  let maxPartitionLag = 0n;
  let partitionsWithLag = 0;
  let lost = 0n;
  for (const p of partitions) {
    kinds[p.kind] += 1;
    lost += lostRecords(p);
    if (!isKnownLag(p)) continue;
    totalLag += p.lag;
    if (p.lag > maxPartitionLag) maxPartitionLag = p.lag;
    if (p.lag > 0n) partitionsWithLag += 1;
  }
  return {
    totalLag,
    maxPartitionLag,
    partitionsWithLag,
    partitionCount: partitions.length,
    lostRecords: lost,
    kinds,
    lagIsLowerBound: kinds.unavailable > 0,
  };
}

function memberPartitionKeys(member: GroupMember, topic: string | undefined): ReadonlySet<string> {
  const keys = new Set<string>();
  for (const tp of member.assignment) {
    if (topic !== undefined && tp.topic !== topic) continue;
    for (const partition of tp.partitions) keys.add(partitionKey({ topic: tp.topic, partition }));
  }
  return keys;
}

function busier(a: MemberLoad, b: MemberLoad): MemberLoad {
  if (a.lag !== b.lag) return a.lag > b.lag ? a : b;
  if (a.partitionCount !== b.partitionCount) return a.partitionCount > b.partitionCount ? a : b;
  return a.memberId <= b.memberId ? a : b;
}

/**
 * Assignment facts for `partitions` (all in scope). `topic` limits which assigned partitions count;
 * a partition a member holds but the snapshot does not list is ignored, since it has no lag to add.
 */
function assignmentOf(
  members: readonly GroupMember[],
  partitions: readonly PartitionLag[],
  topic: string | undefined,
): AssignmentTotals {
  const byKey = new Map(partitions.map((p) => [partitionKey(p), p] as const));
  const assigned = new Set<string>();
  let busiestMember: MemberLoad | undefined;
  let idleMembers = 0;
  let maxPartitionsPerMember = 0;
  for (const member of members) {
    let lag = 0n;
    let partitionCount = 0;
    for (const key of memberPartitionKeys(member, topic)) {
      const p = byKey.get(key);
      if (p === undefined) continue;
      // A partition reported for two members (a stale description mid-rebalance) is counted once.
      if (assigned.has(key)) continue;
      assigned.add(key);
      partitionCount += 1;
      if (isKnownLag(p)) lag += p.lag;
    }
    if (partitionCount === 0) idleMembers += 1;
    if (partitionCount > maxPartitionsPerMember) maxPartitionsPerMember = partitionCount;
    const load: MemberLoad = {
      memberId: member.memberId,
      clientId: member.clientId,
      host: member.host,
      partitionCount,
      lag,
    };
    busiestMember = busiestMember === undefined ? load : busier(busiestMember, load);
  }
  let unassignedPartitions = 0;
  let unassignedLag = 0n;
  for (const [key, p] of byKey) {
    if (assigned.has(key)) continue;
    unassignedPartitions += 1;
    if (isKnownLag(p)) unassignedLag += p.lag;
  }
  return {
    memberCount: members.length,
    idleMembers,
    busiestMember,
    maxPartitionsPerMember,
    unassignedPartitions,
    unassignedLag,
  };
}

/** The summary of one topic of a group. `partitions` may contain other topics; they are skipped. */
export function summarizeTopic(
  snapshot: Pick<GroupSnapshot, 'members'>,
  partitions: readonly PartitionLag[],
  topic: string,
): TopicLagSummary {
  const own = partitions.filter((p) => p.topic === topic);
  return { topic, ...totalsOf(own), ...assignmentOf(snapshot.members, own, topic) };
}

/**
 * The summary of a group and of each of its topics. `partitions` are the group's computed lags
 * (normally `computePartitionLags(snapshot.partitions)`); members come from the snapshot.
 */
export function summarizeGroup(snapshot: GroupSnapshot, partitions: readonly PartitionLag[]): GroupLagSummary {
  const topicNames = [...new Set(partitions.map((p) => p.topic))];
  return {
    group: snapshot.group,
    state: snapshot.state,
    ...totalsOf(partitions),
    ...assignmentOf(snapshot.members, partitions, undefined),
    topics: topicNames.map((topic) => summarizeTopic(snapshot, partitions, topic)),
  };
}
