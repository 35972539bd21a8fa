import { spawnSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import Table from 'cli-table3';
import type { Admin } from 'kafkajs';

/** Runs `fn` `runs` times (after `warmup` untimed runs) and returns the wall times in ms. */
export async function timeRuns(runs: number, warmup: number, fn: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    await fn();
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return times;
}

export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly p90: number;
}

export function spread(times: readonly number[]): Spread {
  const sorted = [...times].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
  const middle = sorted.length / 2;
  const median =
    sorted.length % 2 === 0
      ? ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2
      : (sorted[Math.floor(middle)] ?? 0);
  return { median, min: sorted[0] ?? Number.NaN, max: sorted[sorted.length - 1] ?? Number.NaN, p90: at(0.9) };
}

export function ms(value: number): string {
  return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(0)} ms`;
}

export function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const t = new Table({ head: [...head], style: { head: [], border: [] } });
  for (const row of rows) t.push([...row]);
  return t.toString();
}

/** One line naming the machine, for the README's benchmark tables. */
export function machine(): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const os = spawnSync('sh', ['-c', '. /etc/os-release && echo "$PRETTY_NAME"'], { encoding: 'utf8' }).stdout.trim();
  return `${cpus().length} cores (${cpu}), ${Math.round(totalmem() / 2 ** 30)} GiB, ${os}, Node ${process.version}`;
}

/**
 * Runs `work` again on a retriable Kafka error (1 s, 2 s, ... between tries): on a loaded broker,
 * new topics' leaders can answer NOT_LEADER or UNKNOWN_TOPIC_OR_PARTITION for a while after creation.
 */
export async function retriedKafka<T>(work: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      const retriable = (error as { retriable?: boolean }).retriable === true;
      if (!retriable || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 1000 * attempt));
    }
  }
}

/** Creates topics 10 at a time, waiting for their leaders (creating an existing topic is a no-op). */
export async function createBenchTopics(admin: Admin, topics: readonly string[], partitions: number): Promise<void> {
  for (let i = 0; i < topics.length; i += 10) {
    const batch = topics.slice(i, i + 10).map((topic) => ({ topic, numPartitions: partitions }));
    await retriedKafka(() => admin.createTopics({ topics: batch, waitForLeaders: true }));
  }
}
