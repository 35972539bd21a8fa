/**
 * The offset history a caller keeps between ticks (Lambda has no memory): per partition, a bounded
 * list of (time, end offset, committed offset) points. Time lag, rates and health all read it.
 */
import { ProjectError } from '../errors';
import { partitionKey } from './partition-lag';
import type { GroupSnapshot } from './snapshot';

/** One observation of one partition. */
export interface OffsetPoint {
  /** When the snapshot was taken (epoch ms). */
  readonly atMs: number;
  /** End offset (HWM or LSO) at that time. */
  readonly end: bigint;
  /** The group's committed offset at that time; undefined when it had none. */
  readonly committed: bigint | undefined;
}

/** The points of one partition, oldest first: `atMs` strictly increasing, `end` non-decreasing. */
export interface PartitionHistory {
  readonly topic: string;
  readonly partition: number;
  readonly points: readonly OffsetPoint[];
}

/** The history of one group. Partitions appear in the order they were first seen. */
export interface OffsetHistory {
  readonly partitions: readonly PartitionHistory[];
}

/**
 * How much history to keep. Both bounds apply; the newest point always stays. `maxPoints` below 1 is
 * 1, a negative `maxAgeMs` is 0, and NaN in either keeps only the newest point.
 */
export interface HistoryLimits {
  /** Most points kept per partition (>= 2 for time lag and rates to work). */
  readonly maxPoints: number;
  /** Points older than the newest observation minus this are dropped (ms). */
  readonly maxAgeMs: number;
}

/** A history with nothing in it: the start for a group never seen before. */
export const emptyOffsetHistory: OffsetHistory = { partitions: [] };

/** The points of one partition (empty when never seen). */
export function pointsOf(
  history: OffsetHistory,
  ref: { readonly topic: string; readonly partition: number },
): readonly OffsetPoint[] {
  return history.partitions.find((p) => p.topic === ref.topic && p.partition === ref.partition)?.points ?? [];
}

function appendPoint(points: readonly OffsetPoint[], point: OffsetPoint): readonly OffsetPoint[] {
  const last = points.at(-1);
  if (last === undefined) return [point];
  // A read older than what we hold is stale (an overlapping tick finished late): keep what we have.
  if (point.atMs < last.atMs) return points;
  // The end went backwards: the topic was recreated or truncated, so the old points describe another
  // log. Interpolating across them would produce nonsense time lags, so start over.
  if (point.end < last.end) return [point];
  // Same instant seen twice: the newer read wins rather than creating a zero-length interval.
  if (point.atMs === last.atMs) return [...points.slice(0, -1), point];
  return [...points, point];
}

function bound(points: readonly OffsetPoint[], newestMs: number, limits: HistoryLimits): readonly OffsetPoint[] {
  // Limits come from config, which is checked elsewhere; still, a NaN here must not make the history
  // unbounded or empty: it falls back to the smallest history (the newest point alone).
  const maxAgeMs = Number.isNaN(limits.maxAgeMs) ? 0 : Math.max(0, limits.maxAgeMs);
  const maxPoints = Number.isNaN(limits.maxPoints) ? 1 : Math.max(1, Math.floor(limits.maxPoints));
  const oldestAllowedMs = newestMs - maxAgeMs;
  const fresh = points.filter((p) => p.atMs >= oldestAllowedMs);
  return fresh.length > maxPoints ? fresh.slice(fresh.length - maxPoints) : fresh;
}

/**
 * Adds one snapshot to the history and bounds it. Partitions whose end is unavailable, or that are
 * missing from the snapshot, keep their points (a leader election should not erase the time lag)
 * but still age out; a partition left with no point is dropped.
 */
export function appendObservation(
  history: OffsetHistory,
  snapshot: Pick<GroupSnapshot, 'observedAtMs' | 'partitions'>,
  limits: HistoryLimits,
): OffsetHistory {
  const atMs = snapshot.observedAtMs;
  const byKey = new Map<string, PartitionHistory>();
  for (const p of history.partitions) byKey.set(partitionKey(p), p);
  for (const s of snapshot.partitions) {
    if (s.end.kind !== 'available') continue;
    const point: OffsetPoint = {
      atMs,
      end: s.end.end,
      committed: s.committed.kind === 'committed' ? s.committed.offset : undefined,
    };
    const key = partitionKey(s);
    const previous = byKey.get(key);
    byKey.set(key, {
      topic: s.topic,
      partition: s.partition,
      points: appendPoint(previous?.points ?? [], point),
    });
  }
  const partitions: PartitionHistory[] = [];
  for (const p of byKey.values()) {
    const points = bound(p.points, atMs, limits);
    if (points.length > 0) partitions.push({ topic: p.topic, partition: p.partition, points });
  }
  return { partitions };
}

/**
 * The JSON form of {@link OffsetHistory}: offsets as decimal strings (JSON has no bigint and a number
 * loses precision past 2^53), each point a compact `[atMs, end, committed | null]` tuple so a
 * history of 50 partitions x 20 points stays around 50 KB, well inside a DynamoDB item.
 */
export interface OffsetHistoryJson {
  readonly version: 1;
  readonly partitions: readonly {
    readonly topic: string;
    readonly partition: number;
    readonly points: readonly (readonly [number, string, string | null])[];
  }[];
}

/** Converts a history to its JSON form (`JSON.stringify` can take the result as is). */
export function historyToJson(history: OffsetHistory): OffsetHistoryJson {
  return {
    version: 1,
    partitions: history.partitions.map((p) => ({
      topic: p.topic,
      partition: p.partition,
      points: p.points.map((pt) => [pt.atMs, pt.end.toString(), pt.committed?.toString() ?? null] as const),
    })),
  };
}

/** The result of {@link historyFromJson}: a history, or the first field that is wrong and why. */
export type HistoryParseResult =
  | { readonly kind: 'valid'; readonly history: OffsetHistory }
  | { readonly kind: 'invalid'; readonly field: string; readonly problem: string };

/** Thrown inside the parser only; historyFromJson turns it into an `invalid` result. */
class InvalidField extends ProjectError {
  override name = 'InvalidField';
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${field}: ${problem}`);
  }
}

const OFFSET = /^(0|[1-9][0-9]*)$/;

function offset(value: unknown, field: string): bigint {
  if (typeof value !== 'string' || !OFFSET.test(value)) {
    throw new InvalidField(field, `expected a non-negative integer as a decimal string, got ${JSON.stringify(value)}`);
  }
  return BigInt(value);
}

function record(value: unknown, field: string): Readonly<Record<string, unknown>> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidField(field, 'expected an object');
  }
  return value as Readonly<Record<string, unknown>>;
}

function array(value: unknown, field: string): readonly unknown[] {
  if (!Array.isArray(value)) throw new InvalidField(field, 'expected an array');
  return value as readonly unknown[];
}

function parsePoint(value: unknown, field: string, previous: OffsetPoint | undefined): OffsetPoint {
  const tuple = array(value, field);
  if (tuple.length !== 3)
    throw new InvalidField(field, `expected [atMs, end, committed | null], got ${tuple.length} items`);
  const [atMs, end, committed] = tuple;
  if (typeof atMs !== 'number' || !Number.isSafeInteger(atMs) || atMs < 0) {
    throw new InvalidField(`${field}[0]`, `expected epoch milliseconds, got ${JSON.stringify(atMs)}`);
  }
  const point: OffsetPoint = {
    atMs,
    end: offset(end, `${field}[1]`),
    committed: committed === null ? undefined : offset(committed, `${field}[2]`),
  };
  // The engine relies on these orders (binary search, rates); a history breaking them was not ours.
  if (previous !== undefined && point.atMs <= previous.atMs) {
    throw new InvalidField(
      `${field}[0]`,
      `points must be in strictly increasing time order (${previous.atMs} then ${point.atMs})`,
    );
  }
  if (previous !== undefined && point.end < previous.end) {
    throw new InvalidField(`${field}[1]`, `end offsets must not decrease (${previous.end} then ${point.end})`);
  }
  return point;
}

function parseHistory(json: unknown): OffsetHistory {
  const root = record(json, '$');
  if (root['version'] !== 1) {
    throw new InvalidField('version', `expected 1, got ${JSON.stringify(root['version'])}`);
  }
  const seen = new Set<string>();
  const partitions = array(root['partitions'], 'partitions').map((value, i): PartitionHistory => {
    const field = `partitions[${i}]`;
    const p = record(value, field);
    const topic = p['topic'];
    if (typeof topic !== 'string' || topic.length === 0) {
      throw new InvalidField(`${field}.topic`, 'expected a non-empty string');
    }
    const partition = p['partition'];
    if (typeof partition !== 'number' || !Number.isSafeInteger(partition) || partition < 0) {
      throw new InvalidField(`${field}.partition`, `expected a partition number, got ${JSON.stringify(partition)}`);
    }
    const key = partitionKey({ topic, partition });
    if (seen.has(key)) throw new InvalidField(field, `duplicate partition ${key}`);
    seen.add(key);
    const points: OffsetPoint[] = [];
    array(p['points'], `${field}.points`).forEach((pt, j) => {
      points.push(parsePoint(pt, `${field}.points[${j}]`, points.at(-1)));
    });
    return { topic, partition, points };
  });
  return { partitions };
}

/**
 * Reads a history back from its JSON form, checking every field and the orders the engine relies
 * on. An invalid history names the field; the caller should log it and start from
 * {@link emptyOffsetHistory} (the only loss is a few ticks of time lag and rates).
 */
export function historyFromJson(json: unknown): HistoryParseResult {
  try {
    return { kind: 'valid', history: parseHistory(json) };
  } catch (error) {
    if (error instanceof InvalidField) return { kind: 'invalid', field: error.field, problem: error.problem };
    throw error;
  }
}
