/**
 * Production and consumption rates per group+topic from the offset history: how fast the end
 * offsets grow, and how fast the committed offsets follow. The scaler's drain-time target needs both.
 */
import { pointsOf } from './history';
import type { OffsetHistory, OffsetPoint } from './history';

/** A rate in records per second, or why there is none. */
export type Rate =
  | {
      readonly kind: 'known';
      /** Records per second, summed over the partitions counted (finite, >= 0). */
      readonly perSecond: number;
      readonly partitionsCounted: number;
      /** Partitions without two points in the window: the rate leaves them out (a lower bound). */
      readonly partitionsMissing: number;
    }
  | { readonly kind: 'unknown'; readonly reason: 'too-few-points' };

/** Both rates of one topic for one group. */
export interface TopicRates {
  readonly topic: string;
  /** End offset growth: records produced per second. */
  readonly production: Rate;
  /** Committed offset growth: records the group consumed (and committed) per second. */
  readonly consumption: Rate;
}

/** Options for {@link topicRates}. */
export interface RateOptions {
  /** The instant the rates are for (epoch ms). */
  readonly now: number;
  /**
   * Only points at or after `now - windowMs` count; a shorter window follows changes faster.
   * @default the whole history
   */
  readonly windowMs?: number;
}

function perSecond(records: bigint, fromMs: number, toMs: number): number | undefined {
  const spanMs = toMs - fromMs;
  return spanMs > 0 ? (Number(records) * 1000) / spanMs : undefined;
}

/** End offset growth per second between the first and last point; undefined with fewer than two. */
export function productionRate(points: readonly OffsetPoint[]): number | undefined {
  const first = points[0];
  const last = points.at(-1);
  if (first === undefined || last === undefined || last.end < first.end) return undefined;
  return perSecond(last.end - first.end, first.atMs, last.atMs);
}

/**
 * Committed offset growth per second over the points with a commit; undefined with fewer than two.
 * Only forward steps count: after a rewind the group re-reads records, and that is consumption too,
 * but a step back is not negative work.
 */
export function consumptionRate(points: readonly OffsetPoint[]): number | undefined {
  const commits = points.flatMap((p) => (p.committed === undefined ? [] : [{ atMs: p.atMs, committed: p.committed }]));
  const first = commits[0];
  const last = commits.at(-1);
  if (first === undefined || last === undefined) return undefined;
  let forward = 0n;
  commits.forEach((c, i) => {
    const prev = commits[i - 1];
    if (prev !== undefined && c.committed > prev.committed) forward += c.committed - prev.committed;
  });
  return perSecond(forward, first.atMs, last.atMs);
}

function sumRates(values: readonly (number | undefined)[]): Rate {
  const known = values.filter((v): v is number => v !== undefined);
  if (known.length === 0) return { kind: 'unknown', reason: 'too-few-points' };
  return {
    kind: 'known',
    perSecond: known.reduce((a, b) => a + b, 0),
    partitionsCounted: known.length,
    partitionsMissing: values.length - known.length,
  };
}

/**
 * Rates per topic over `partitions` (normally the current snapshot's), in order of first appearance.
 * A topic's rate is the sum of its partitions' rates, each over its own points in the window.
 */
export function topicRates(
  history: OffsetHistory,
  partitions: readonly { readonly topic: string; readonly partition: number }[],
  options: RateOptions,
): readonly TopicRates[] {
  const fromMs = options.windowMs === undefined ? Number.NEGATIVE_INFINITY : options.now - options.windowMs;
  const byTopic = new Map<string, OffsetPoint[][]>();
  for (const ref of partitions) {
    const windowed = pointsOf(history, ref).filter((p) => p.atMs >= fromMs);
    const list = byTopic.get(ref.topic) ?? [];
    list.push(windowed);
    byTopic.set(ref.topic, list);
  }
  return [...byTopic].map(([topic, perPartition]) => ({
    topic,
    production: sumRates(perPartition.map(productionRate)),
    consumption: sumRates(perPartition.map(consumptionRate)),
  }));
}
