/**
 * Time lag: how long ago the next record the group has to read was produced, estimated from the end
 * offsets seen over time (kafka-lag-exporter's idea). Unlike it, the cases where the estimate cannot
 * be trusted are kinds: an idle topic reads 0, too little history reads unknown (never NaN), and a
 * position older than the history reads as a lower bound (never an extrapolated absurd value).
 */
import type { OffsetPoint } from './history';
import { isKnownLag } from './partition-lag';
import type { KnownPartitionLag, PartitionLag } from './partition-lag';

/** The time lag of one partition. Every value is in milliseconds, finite and >= 0. */
export type TimeLag =
  /** Nothing to read (committed >= end), however long the topic has been idle. */
  | { readonly kind: 'caught-up'; readonly ms: 0 }
  /** Interpolated between the two points around the committed offset. */
  | { readonly kind: 'estimated'; readonly ms: number; readonly producedAtMs: number }
  /** The committed offset is older than the oldest point: the record is at least this old. */
  | { readonly kind: 'lower-bound'; readonly ms: number; readonly oldestPointMs: number }
  | { readonly kind: 'unknown'; readonly reason: 'too-few-points' | 'unavailable' };

/** A time lag with the partition it belongs to. */
export interface PartitionTimeLag {
  readonly topic: string;
  readonly partition: number;
  readonly timeLag: TimeLag;
}

/**
 * Where the group will read next, or `caught-up` when nothing is left. A partition without commit
 * under `earliest` and one below the log start both resume at the log start; `latest` and a
 * committed offset past the end have nothing to read.
 */
function readPosition(lag: KnownPartitionLag): bigint | 'caught-up' {
  switch (lag.kind) {
    case 'beyond-end':
      return 'caught-up';
    case 'no-commit':
      return lag.resetPolicy === 'earliest' ? lag.logStart : 'caught-up';
    case 'below-log-start':
      return lag.logStart;
    case 'measured':
      return lag.committed;
  }
}

/**
 * The time lag of one partition at `now` (epoch ms). `points` is the partition's history, oldest
 * first, and should already include the observation `lag` was computed from (append it first).
 */
export function partitionTimeLag(lag: PartitionLag, points: readonly OffsetPoint[], now: number): TimeLag {
  if (!isKnownLag(lag)) return { kind: 'unknown', reason: 'unavailable' };
  const position = readPosition(lag);
  if (position === 'caught-up' || position >= lag.end) return { kind: 'caught-up', ms: 0 };
  // One point says when the record existed, not when it was written: any number would be a guess.
  if (points.length < 2) return { kind: 'unknown', reason: 'too-few-points' };
  // Clock skew between the reader and `now` must not produce a negative age.
  const age = (atMs: number): number => Math.max(0, now - atMs);
  // First point whose end is past the position: the record at `position` was written before it.
  const after = points.findIndex((p) => p.end > position);
  const first = points[0];
  if (after === 0 && first !== undefined) {
    return { kind: 'lower-bound', ms: age(first.atMs), oldestPointMs: first.atMs };
  }
  const upper = points[after];
  const lower = points[after - 1];
  if (after === -1 || upper === undefined || lower === undefined) {
    // Every point is at or below the position although the snapshot's end is past it: the history
    // lacks the current observation. Reading it as caught up would hide a backlog.
    return { kind: 'unknown', reason: 'too-few-points' };
  }
  // lower.end <= position < upper.end, so the span is > 0. Offsets are subtracted as bigint first so
  // the ratio stays exact for realistic deltas even when the offsets themselves exceed 2^53.
  const fraction = Number(position - lower.end) / Number(upper.end - lower.end);
  const producedAtMs = lower.atMs + fraction * (upper.atMs - lower.atMs);
  return { kind: 'estimated', ms: age(producedAtMs), producedAtMs };
}

/** The largest time lag over a set of partitions (like MSK's EstimatedMaxTimeLag). */
export type MaxTimeLag =
  | {
      readonly kind: 'known';
      readonly ms: number;
      /** The partition with the largest time lag (the first one on ties). */
      readonly topic: string;
      readonly partition: number;
      /** True when the real maximum may be higher: some partition is a lower bound or unknown. */
      readonly isLowerBound: boolean;
      readonly unknownPartitions: number;
    }
  | { readonly kind: 'unknown'; readonly unknownPartitions: number };

/** The maximum of `lags`; unknown only when no partition's time lag is known. */
export function maxTimeLag(lags: readonly PartitionTimeLag[]): MaxTimeLag {
  let best: PartitionTimeLag | undefined;
  let bestMs = 0;
  let unknownPartitions = 0;
  let anyLowerBound = false;
  for (const p of lags) {
    if (p.timeLag.kind === 'unknown') {
      unknownPartitions += 1;
      continue;
    }
    if (p.timeLag.kind === 'lower-bound') anyLowerBound = true;
    if (best === undefined || p.timeLag.ms > bestMs) {
      best = p;
      bestMs = p.timeLag.ms;
    }
  }
  if (best === undefined) return { kind: 'unknown', unknownPartitions };
  return {
    kind: 'known',
    ms: bestMs,
    topic: best.topic,
    partition: best.partition,
    isLowerBound: anyLowerBound || unknownPartitions > 0,
    unknownPartitions,
  };
}
