/**
 * What the offset history says about throughput beyond a topic's two rates: how fast each member
 * consumed and whether it was saturated (it had queued work at every point of the window, so its rate
 * is its capacity, not the production it kept up with), the hottest partition, and the topic's
 * production interval by interval (for a short-horizon forecast). Pure.
 */
import { pointsOf, type OffsetHistory, type OffsetPoint } from './history';
import { partitionKey } from './partition-lag';
import { consumptionRate, productionRate } from './rates';
import type { GroupMember } from './snapshot';

/**
 * A member counts as saturated only if, at every point of the window, it had at least this many
 * seconds of its own work queued: a member that ran dry in between consumed less than it could.
 */
export const SATURATED_BACKLOG_SECONDS = 15;

/** One member's consumption of one topic over the window. */
export interface MemberRate {
  readonly memberId: string;
  /** Partitions of the topic the member holds. */
  readonly partitions: number;
  /** Records consumed (committed) per second over the window, summed over its partitions. */
  readonly perSecond: number;
  /** True when it had a backlog at every point of a window of at least two points. */
  readonly saturated: boolean;
}

/** Production over one interval between two consecutive snapshots. */
export interface IntervalRate {
  readonly fromMs: number;
  readonly toMs: number;
  readonly perSecond: number;
}

/** One partition's rates over the window (msg/s), undefined without two points. */
export interface PartitionRates {
  readonly partition: number;
  readonly production: number | undefined;
  readonly consumption: number | undefined;
}

/** The throughput facts of one topic. */
export interface TopicThroughput {
  readonly topic: string;
  /** Every partition's production and consumption over the window. */
  readonly partitions: readonly PartitionRates[];
  readonly members: readonly MemberRate[];
  /** The partition producing the most over the window, with its rate; undefined without two points. */
  readonly hottestPartition: { readonly partition: number; readonly perSecond: number } | undefined;
  /** The topic's production per interval over the whole history, oldest first. */
  readonly production: readonly IntervalRate[];
}

/** Options of {@link topicThroughput}. */
export interface ThroughputOptions {
  readonly now: number;
  /** Rates and saturation over points at or after `now - windowMs`; @default the whole history. */
  readonly windowMs?: number;
  /**
   * Partitions left out of the members' rates and saturation (STALLED ones: a backlog no member
   * moves would make its member look saturated at a low rate). @default none
   */
  readonly exclude?: ReadonlySet<number>;
}

const lagAt = (point: OffsetPoint): bigint =>
  point.committed === undefined || point.end <= point.committed ? 0n : point.end - point.committed;

/** A member's rate and saturation over its partitions' windowed points (aligned by snapshot time). */
function memberRate(memberId: string, windowed: readonly (readonly OffsetPoint[])[]): MemberRate {
  const rates = windowed.map(consumptionRate);
  const perSecond = rates.reduce<number>((sum, rate) => sum + (rate ?? 0), 0);
  const backlogAt = new Map<number, bigint>();
  for (const points of windowed) {
    for (const point of points) backlogAt.set(point.atMs, (backlogAt.get(point.atMs) ?? 0n) + lagAt(point));
  }
  const needed = Math.max(1, perSecond * SATURATED_BACKLOG_SECONDS);
  const saturated =
    perSecond > 0 && backlogAt.size >= 2 && [...backlogAt.values()].every((backlog) => Number(backlog) >= needed);
  return { memberId, partitions: windowed.length, perSecond, saturated };
}

/** The topic's production per interval: the end offsets summed at each snapshot time every partition has. */
function productionIntervals(perPartition: readonly (readonly OffsetPoint[])[]): IntervalRate[] {
  const first = perPartition[0];
  if (first === undefined) return [];
  const endsAt = new Map<number, bigint>(first.map((point) => [point.atMs, 0n]));
  const counts = new Map<number, number>();
  for (const points of perPartition) {
    for (const point of points) {
      if (!endsAt.has(point.atMs)) continue;
      endsAt.set(point.atMs, (endsAt.get(point.atMs) ?? 0n) + point.end);
      counts.set(point.atMs, (counts.get(point.atMs) ?? 0) + 1);
    }
  }
  const times = [...endsAt.keys()].filter((atMs) => counts.get(atMs) === perPartition.length).sort((a, b) => a - b);
  return times.slice(1).flatMap((toMs, index) => {
    const fromMs = times[index] ?? toMs;
    const produced = (endsAt.get(toMs) ?? 0n) - (endsAt.get(fromMs) ?? 0n);
    return toMs > fromMs && produced >= 0n
      ? [{ fromMs, toMs, perSecond: (Number(produced) * 1000) / (toMs - fromMs) }]
      : [];
  });
}

/** The partition with the highest production over the window. */
function hottest(
  partitions: readonly number[],
  windowed: readonly (readonly OffsetPoint[])[],
): TopicThroughput['hottestPartition'] {
  let best: TopicThroughput['hottestPartition'];
  windowed.forEach((points, index) => {
    const rate = productionRate(points);
    const partition = partitions[index];
    if (rate === undefined || partition === undefined) return;
    if (best === undefined || rate > best.perSecond) best = { partition, perSecond: rate };
  });
  return best;
}

/** Throughput facts of `topic` from the history and the members' current assignment. */
export function topicThroughput(
  history: OffsetHistory,
  topic: { readonly topic: string; readonly partitions: readonly number[] },
  members: readonly GroupMember[],
  options: ThroughputOptions,
): TopicThroughput {
  const fromMs = options.windowMs === undefined ? Number.NEGATIVE_INFINITY : options.now - options.windowMs;
  const all = topic.partitions.map((partition) => pointsOf(history, { topic: topic.topic, partition }));
  const windowed = new Map(
    topic.partitions.map((partition, index) => [
      partitionKey({ topic: topic.topic, partition }),
      (all[index] ?? []).filter((point) => point.atMs >= fromMs),
    ]),
  );
  const memberRates = members.flatMap((member) => {
    const held = member.assignment
      .filter((tp) => tp.topic === topic.topic)
      .flatMap((tp) => tp.partitions)
      .filter((partition) => options.exclude?.has(partition) !== true);
    const points = held.flatMap((partition) => windowed.get(partitionKey({ topic: topic.topic, partition })) ?? []);
    return held.length === 0 || points.length === 0
      ? []
      : [
          memberRate(
            member.memberId,
            held.map((partition) => windowed.get(partitionKey({ topic: topic.topic, partition })) ?? []),
          ),
        ];
  });
  const windowedPoints = [...windowed.values()];
  // The hottest partition and production per interval count the partitions the rates count: a
  // STALLED partition's production is out of the topic's production rate, so it is out of these too.
  const scalable = topic.partitions.flatMap((partition, index) =>
    options.exclude?.has(partition) === true
      ? []
      : [{ partition, all: all[index] ?? [], windowed: windowedPoints[index] ?? [] }],
  );
  return {
    topic: topic.topic,
    partitions: topic.partitions.map((partition, index) => ({
      partition,
      production: productionRate(windowedPoints[index] ?? []),
      consumption: consumptionRate(windowedPoints[index] ?? []),
    })),
    members: memberRates,
    hottestPartition: hottest(
      scalable.map((p) => p.partition),
      scalable.map((p) => p.windowed),
    ),
    production: productionIntervals(scalable.map((p) => p.all)),
  };
}
