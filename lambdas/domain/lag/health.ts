/**
 * Health per partition and per group with Burrow's rules: no thresholds, a window of recent points
 * per partition, small named predicates tried in order. Burrow sees commit events; we poll, so we
 * cannot tell "stopped committing" from "committed the same offset again". We tell them apart by
 * what Burrow means: STOP = nobody owns the partition, STALL = a member owns it and does not move.
 */
import { isKnownLag, partitionKey } from './partition-lag';
import type { PartitionLag } from './partition-lag';
import type { OffsetPoint } from './history';
import type { GroupSnapshot } from './snapshot';

/** Burrow's partition statuses, plus UNKNOWN when the partition's end could not be read. */
export type PartitionStatus = 'OK' | 'WARN' | 'STOP' | 'STALL' | 'REWIND' | 'UNKNOWN';

/** Burrow's group statuses: the worst partition; STOP, STALL and REWIND make the group ERR. */
export type GroupStatus = 'OK' | 'WARN' | 'ERR';

/** Which predicate decided, in evaluation order. */
export type HealthRule =
  | 'unavailable' // the end offset could not be read: no judgement
  | 'lag-within-allowed' // current lag <= allowedLag: OK
  | 'stopped' // nobody owns the partition and the commit did not move over a full window: STOP
  | 'lag-was-zero' // lag was within allowed at some point of the window: OK (Burrow checks this before REWIND)
  | 'rewound' // the committed offset went backwards and has not yet come back to where it was: REWIND
  | 'stalled' // a member owns it, has a backlog at every point of a full window and its commit did not move: STALL
  | 'lag-increasing' // lag never decreased and grew over a full window: WARN
  | 'window-incomplete' // too few points to judge STOP, STALL or WARN yet: OK
  | 'no-problem'; // none of the above: OK

/** Who consumes a partition right now, from the group description. */
export type Ownership = 'owned' | 'unowned' | 'unknown';

/** Options for the health rules. */
export interface HealthOptions {
  /**
   * Points per partition the rules look at (the newest ones).
   * @default 10
   */
  readonly windowPoints?: number;
  /**
   * Points needed before STOP, STALL or WARN can be declared. The window should span longer than the
   * consumers' commit interval, or a consumer that commits rarely reads as stalled.
   * @default 3
   */
  readonly minWindowPoints?: number;
  /**
   * Lag (records) that is still OK, e.g. 1 for a read_uncommitted group on a transactional topic,
   * where the last commit marker can never be consumed.
   * @default 0n
   */
  readonly allowedLag?: bigint;
  /**
   * Shortest freeze (seconds, first frozen point to now) that can be STALL: a consumer working
   * through a long batch commits nothing meanwhile, and ticks seconds apart must not call that stuck.
   * @default 60
   */
  readonly minStallSeconds?: number;
}

/** The health of one partition and the rule that decided it. */
export interface PartitionHealth {
  readonly topic: string;
  readonly partition: number;
  readonly status: PartitionStatus;
  readonly rule: HealthRule;
  readonly ownership: Ownership;
  /** Points the rules looked at. */
  readonly windowPoints: number;
}

/** The health of a group: the worst partition, with the stalled ones listed for the policy. */
export interface GroupHealth {
  readonly status: GroupStatus;
  readonly partitions: readonly PartitionHealth[];
  /** How many partitions have each status. */
  readonly counts: Readonly<Record<PartitionStatus, number>>;
  /**
   * STALL partitions: a member holds them and does not advance, so more tasks will not help. The
   * policy leaves their lag out of scaling. STOP is not listed: starting tasks does fix it.
   */
  readonly stalledPartitions: readonly { readonly topic: string; readonly partition: number }[];
}

const statusOfRule: Readonly<Record<HealthRule, PartitionStatus>> = {
  unavailable: 'UNKNOWN',
  'lag-within-allowed': 'OK',
  stopped: 'STOP',
  rewound: 'REWIND',
  'lag-was-zero': 'OK',
  stalled: 'STALL',
  'lag-increasing': 'WARN',
  'window-incomplete': 'OK',
  'no-problem': 'OK',
};

/** Lag at a point, when the group had a commit then (clamped: past the end is nothing to read). */
function pointLag(p: OffsetPoint): bigint | undefined {
  if (p.committed === undefined) return undefined;
  return p.end > p.committed ? p.end - p.committed : 0n;
}

// The predicates, one per rule. Each takes the window (oldest first) and says yes or no.

/** The committed offset is the same at every point (a group that never committed counts as same). */
function commitNeverMoved(window: readonly OffsetPoint[]): boolean {
  const first = window[0];
  return first !== undefined && window.every((p) => p.committed === first.committed);
}

/**
 * The commit went backwards inside the window and the newest commit is still below the highest one
 * before that step back. A rewind the consumer has already read past is over (Burrow's recovered
 * case); this scaler causes rebalances itself, and a rebalance can replay a few records.
 */
function unrecoveredRewind(window: readonly OffsetPoint[]): boolean {
  const commits = window.flatMap((p) => (p.committed === undefined ? [] : [p.committed]));
  let highest: bigint | undefined;
  let highestBeforeRewind: bigint | undefined;
  for (const committed of commits) {
    if (highest !== undefined && committed < highest) highestBeforeRewind = highest;
    if (highest === undefined || committed > highest) highest = committed;
  }
  const newest = commits.at(-1);
  return highestBeforeRewind !== undefined && newest !== undefined && newest < highestBeforeRewind;
}

function lagWasWithin(window: readonly OffsetPoint[], allowedLag: bigint): boolean {
  return window.some((p) => {
    const lag = pointLag(p);
    return lag !== undefined && lag <= allowedLag;
  });
}

/** Burrow's "lag never decreased", but it must also have grown: a flat lag is not a trend. */
function lagKeptGrowing(window: readonly OffsetPoint[]): boolean {
  const lags = window.map(pointLag);
  if (lags.some((l) => l === undefined)) return false;
  const known = lags.filter((l): l is bigint => l !== undefined);
  const first = known[0];
  const last = known.at(-1);
  if (first === undefined || last === undefined || last <= first) return false;
  return known.every((l, i) => {
    const prev = known[i - 1];
    return prev === undefined || l >= prev;
  });
}

/** What {@link partitionHealth} judges. */
export interface PartitionHealthInput {
  /** The partition's lag now. */
  readonly lag: PartitionLag;
  /** Its history, oldest first, including the observation `lag` came from. */
  readonly points: readonly OffsetPoint[];
  readonly ownership: Ownership;
  /**
   * Whether any other partition of the group committed after `atMs` (epoch ms). With it, a partition
   * whose commit froze while others moved on is STALL as soon as the freeze spans a minimal window,
   * without waiting for an older zero-lag point to leave the window. A consumer that commits rarely
   * commits all its partitions together, so it never looks like this.
   */
  readonly othersCommittedSince?: (atMs: number) => boolean;
}

/**
 * When the newest run of points with the same commit and a backlog began, and how many points it
 * holds; undefined when the newest point has no backlog or no commit.
 */
function frozenRun(
  window: readonly OffsetPoint[],
  allowedLag: bigint,
): { startMs: number; endMs: number; points: number } | undefined {
  const last = window.at(-1);
  if (last?.committed === undefined) return undefined;
  let start: OffsetPoint | undefined;
  let points = 0;
  for (let index = window.length - 1; index >= 0; index -= 1) {
    const point = window[index];
    const lag = point === undefined ? undefined : pointLag(point);
    if (point?.committed !== last.committed || lag === undefined || lag <= allowedLag) break;
    start = point;
    points += 1;
  }
  return start === undefined ? undefined : { startMs: start.atMs, endMs: last.atMs, points };
}

/** A point count from options: at least 2 (a window of one shows no movement), default when NaN. */
function count(value: number | undefined, fallback: number): number {
  return value === undefined || Number.isNaN(value) ? fallback : Math.max(2, Math.floor(value));
}

/** How long (points and time) a freeze must last to be STALL. */
interface StallBar {
  readonly minPoints: number;
  readonly minMs: number;
}

/** Frozen with a backlog long enough to be STALL, while another partition of the group committed. */
function stuckWhileOthersMove(
  input: PartitionHealthInput,
  window: readonly OffsetPoint[],
  allowedLag: bigint,
  bar: StallBar,
): boolean {
  const run = frozenRun(window, allowedLag);
  const long = run !== undefined && run.points >= bar.minPoints && run.endMs - run.startMs >= bar.minMs;
  return long && input.othersCommittedSince?.(run.startMs) === true;
}

/** The whole window frozen (Burrow's STALL), and for at least the bar's time. */
function frozenWindow(window: readonly OffsetPoint[], minMs: number): boolean {
  const first = window[0];
  const last = window.at(-1);
  return first !== undefined && last !== undefined && last.atMs - first.atMs >= minMs && commitNeverMoved(window);
}

/** The health of one partition over the newest `windowPoints` of its history. */
export function partitionHealth(input: PartitionHealthInput, options: HealthOptions = {}): PartitionHealth {
  const { lag, points, ownership } = input;
  const windowSize = count(options.windowPoints, 10);
  const minWindowPoints = Math.min(count(options.minWindowPoints, 3), windowSize);
  const allowedLag = options.allowedLag ?? 0n;
  const window = points.slice(-windowSize);
  const complete = window.length >= minWindowPoints;
  const stall: StallBar = { minPoints: minWindowPoints, minMs: (options.minStallSeconds ?? 60) * 1000 };

  const rule = ((): HealthRule => {
    if (!isKnownLag(lag)) return 'unavailable';
    if (lag.lag <= allowedLag) return 'lag-within-allowed';
    if (complete && ownership === 'unowned' && commitNeverMoved(window)) return 'stopped';
    if (ownership === 'owned' && stuckWhileOthersMove(input, window, allowedLag, stall)) return 'stalled';
    if (lagWasWithin(window, allowedLag)) return 'lag-was-zero';
    if (unrecoveredRewind(window)) return 'rewound';
    // Past lag-was-zero, the partition had a backlog at every point: a member that holds it and
    // does not commit over a whole window is stuck, whether or not the end moves (Burrow's STALL).
    // Mid-rebalance (ownership unknown) nobody commits for a moment; calling that STALL would take
    // the lag out of scaling exactly when it is needed.
    if (complete && ownership === 'owned' && frozenWindow(window, stall.minMs)) return 'stalled';
    if (complete && lagKeptGrowing(window)) return 'lag-increasing';
    return complete ? 'no-problem' : 'window-incomplete';
  })();
  return {
    topic: lag.topic,
    partition: lag.partition,
    status: statusOfRule[rule],
    rule,
    ownership,
    windowPoints: window.length,
  };
}

/**
 * Who owns each partition, from the group description. An Empty or Dead group owns nothing. A
 * classic group's assignment is trusted only when Stable (mid-rebalance it cannot be known). A
 * consumer-protocol group's members own their current assignment at every moment (partitions move
 * one by one), so while it reconciles an assigned partition is owned and only the ones between
 * owners are unknown.
 */
export function ownershipOf(
  snapshot: Pick<GroupSnapshot, 'state' | 'members'> & { readonly protocol?: GroupSnapshot['protocol'] },
): (ref: { readonly topic: string; readonly partition: number }) => Ownership {
  if (snapshot.state === 'Empty' || snapshot.state === 'Dead') return () => 'unowned';
  const consumerProtocol = snapshot.protocol === 'consumer';
  const moving = consumerProtocol && (snapshot.state === 'Assigning' || snapshot.state === 'Reconciling');
  if (snapshot.state !== 'Stable' && !moving) return () => 'unknown';
  const owned = new Set<string>();
  for (const m of snapshot.members) {
    for (const tp of m.assignment) {
      for (const partition of tp.partitions) owned.add(partitionKey({ topic: tp.topic, partition }));
    }
  }
  const notOwned: Ownership = moving ? 'unknown' : 'unowned';
  return (ref) => (owned.has(partitionKey(ref)) ? 'owned' : notOwned);
}

const groupStatusOf: Readonly<Record<PartitionStatus, GroupStatus>> = {
  OK: 'OK',
  UNKNOWN: 'OK',
  WARN: 'WARN',
  STOP: 'ERR',
  STALL: 'ERR',
  REWIND: 'ERR',
};
const groupRank: Readonly<Record<GroupStatus, number>> = { OK: 0, WARN: 1, ERR: 2 };

/**
 * Combines partition health into group health: the worst partition decides. UNKNOWN partitions do
 * not move the group status (the broker, not the consumer, is at fault); they are counted.
 */
export function combineHealth(partitions: readonly PartitionHealth[]): GroupHealth {
  const counts: Record<PartitionStatus, number> = { OK: 0, WARN: 0, STOP: 0, STALL: 0, REWIND: 0, UNKNOWN: 0 };
  let status: GroupStatus = 'OK';
  for (const p of partitions) {
    counts[p.status] += 1;
    const candidate = groupStatusOf[p.status];
    if (groupRank[candidate] > groupRank[status]) status = candidate;
  }
  return {
    status,
    partitions,
    counts,
    stalledPartitions: partitions
      .filter((p) => p.status === 'STALL')
      .map((p) => ({ topic: p.topic, partition: p.partition })),
  };
}
