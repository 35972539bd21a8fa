import { createServer, type Server } from 'node:http';
import type { PartitionOffset, TopicPartition } from './ports';

/** Where the consumer is in its life. */
export type ConsumerState = 'starting' | 'running' | 'rebalancing' | 'stopping' | 'stopped' | 'failed';

/** What the progress log line and the health endpoint report. */
export interface ProgressSnapshot {
  readonly state: ConsumerState;
  readonly processed: number;
  /** Records per second since the previous snapshot. */
  readonly recordsPerSecond: number;
  /** `topic:partition` of the current assignment. */
  readonly partitions: readonly string[];
  readonly rebalances: number;
  readonly lastCommit:
    { readonly at: string; readonly ageMs: number; readonly offsets: Readonly<Record<string, string>> } | undefined;
  readonly uptimeMs: number;
}

/** Counts progress; the clock is passed in so that the numbers are testable. */
export class ProgressTracker {
  state: ConsumerState = 'starting';
  private processed = 0;
  private rebalances = 0;
  private partitions: readonly TopicPartition[] = [];
  private readonly committedOffsets = new Map<string, bigint>();
  private lastCommitAt: number | undefined;
  private previous: { readonly at: number; readonly processed: number };
  private readonly startedAt: number;

  constructor(private readonly now: () => number) {
    this.startedAt = now();
    this.previous = { at: this.startedAt, processed: 0 };
  }

  recordProcessed(): void {
    this.processed += 1;
  }

  assigned(partitions: readonly TopicPartition[]): void {
    this.partitions = partitions;
    // A late join while shutting down must not make a stopping consumer look healthy again.
    if (this.state === 'starting' || this.state === 'rebalancing') this.state = 'running';
    // Positions of partitions that moved away are someone else's now.
    const keep = new Set(partitions.map(({ topic, partition }) => `${topic}:${partition}`));
    for (const key of [...this.committedOffsets.keys()]) if (!keep.has(key)) this.committedOffsets.delete(key);
  }

  rebalancing(): void {
    this.rebalances += 1;
    this.state = 'rebalancing';
  }

  committed(offsets: readonly PartitionOffset[]): void {
    for (const { topic, partition, offset } of offsets) this.committedOffsets.set(`${topic}:${partition}`, offset);
    this.lastCommitAt = this.now();
  }

  get processedCount(): number {
    return this.processed;
  }

  /** A snapshot; `advance` starts a new rate window (the periodic log does, the health endpoint does not). */
  snapshot(advance: boolean): ProgressSnapshot {
    const at = this.now();
    const seconds = (at - this.previous.at) / 1000;
    const recordsPerSecond =
      seconds > 0 ? Math.round(((this.processed - this.previous.processed) / seconds) * 10) / 10 : 0;
    if (advance) this.previous = { at, processed: this.processed };
    return {
      state: this.state,
      processed: this.processed,
      recordsPerSecond,
      partitions: this.partitions.map(({ topic, partition }) => `${topic}:${partition}`),
      rebalances: this.rebalances,
      lastCommit:
        this.lastCommitAt === undefined
          ? undefined
          : {
              at: new Date(this.lastCommitAt).toISOString(),
              ageMs: at - this.lastCommitAt,
              offsets: Object.fromEntries([...this.committedOffsets].map(([key, offset]) => [key, offset.toString()])),
            },
      uptimeMs: at - this.startedAt,
    };
  }
}

/** Healthy unless the consumer failed or is going away (ECS then stops sending it work). */
export function isHealthy(state: ConsumerState): boolean {
  return state === 'starting' || state === 'running' || state === 'rebalancing';
}

/** Serves `GET /health` on 127.0.0.1 (200 or 503 with the progress snapshot as JSON). */
export async function startHealthServer(port: number, snapshot: () => ProgressSnapshot): Promise<Server> {
  const server = createServer((request, response) => {
    if (request.method !== 'GET' || (request.url !== '/health' && request.url !== '/')) {
      response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"try GET /health"}');
      return;
    }
    const body = snapshot();
    response
      .writeHead(isHealthy(body.state) ? 200 : 503, { 'content-type': 'application/json' })
      .end(JSON.stringify(body));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return server;
}
