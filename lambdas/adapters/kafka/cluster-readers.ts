import type { GroupReadResult } from '#domain/lag/snapshot';
import { asError, describeError } from '#domain/errors';
import type { GroupSelection, OffsetReader } from '#ports/offset-reader';
import { KafkaUnavailableError } from './errors';

export interface ClusterReadersOptions {
  /** Every cluster by name (listGroups asks each). */
  readonly clusters: readonly string[];
  /** The cluster of a selection that names none. */
  readonly defaultCluster: string;
  /** Creates a cluster's reader; one that fails is created again on the next read. */
  readonly create: (cluster: string) => Promise<OffsetReader>;
}

/**
 * One OffsetReader over several Kafka clusters: each selection goes to its cluster's reader (kept
 * across reads: connections are the expensive part), every cluster at once. A cluster that cannot
 * be read fails its own groups only; when no cluster can be read the read fails as a one-cluster
 * read would, so the tick holds every target.
 */
export class ClusterReaders implements OffsetReader {
  private readonly readers = new Map<string, Promise<OffsetReader>>();
  private readonly settled = new Map<string, OffsetReader>();

  constructor(private readonly options: ClusterReadersOptions) {}

  async read(selections: readonly GroupSelection[]): Promise<readonly GroupReadResult[]> {
    const byCluster = new Map<string, number[]>();
    selections.forEach((selection, index) => {
      const cluster = selection.cluster ?? this.options.defaultCluster;
      byCluster.set(cluster, [...(byCluster.get(cluster) ?? []), index]);
    });
    const outcomes = await Promise.all(
      [...byCluster].map(async ([cluster, indexes]) => {
        try {
          const reader = await this.reader(cluster);
          return { cluster, indexes, results: await reader.read(indexes.map((i) => selections[i] as GroupSelection)) };
        } catch (error) {
          return { cluster, indexes, error: asError(error) };
        }
      }),
    );
    const failed = outcomes.flatMap((o) => (o.error === undefined ? [] : [o]));
    if (failed.length > 0 && failed.length === outcomes.length) {
      const [only] = failed;
      if (failed.length === 1 && only) throw only.error;
      throw new KafkaUnavailableError(
        `no Kafka cluster could be read: ${failed.map((f) => `${f.cluster}: ${describeError(f.error)}`).join('; ')}`,
        { retriable: true },
      );
    }
    const results: GroupReadResult[] = [];
    for (const outcome of outcomes) {
      outcome.indexes.forEach((index, position) => {
        const group = (selections[index] as GroupSelection).group;
        results[index] =
          outcome.error === undefined
            ? (outcome.results[position] as GroupReadResult)
            : {
                kind: 'error',
                group,
                message: `Kafka cluster '${outcome.cluster}': ${describeError(outcome.error)}`,
                retriable: true,
              };
      });
    }
    return results;
  }

  async listGroups(): Promise<readonly string[]> {
    const lists = await Promise.all(this.options.clusters.map(async (c) => (await this.reader(c)).listGroups()));
    return [...new Set(lists.flat())];
  }

  async close(): Promise<void> {
    const readers = [...this.readers.values()];
    this.readers.clear();
    this.settled.clear();
    await Promise.all(readers.map(async (r) => (await r.catch(() => undefined))?.close()));
  }

  /** Requests sent by every cluster's reader, by API (readers that count them). */
  requestCounts(): Record<string, number> {
    return this.counted.reduce<Record<string, number>>((sum, counts) => {
      for (const [api, n] of Object.entries(counts)) sum[api] = (sum[api] ?? 0) + n;
      return sum;
    }, {});
  }

  private get counted(): Readonly<Record<string, number>>[] {
    return [...this.settled.values()].flatMap((reader) => {
      const counts = (reader as { requestCounts?: () => Readonly<Record<string, number>> }).requestCounts?.();
      return counts === undefined ? [] : [counts];
    });
  }

  private async reader(cluster: string): Promise<OffsetReader> {
    const existing = this.readers.get(cluster);
    if (existing) return await existing;
    const creating = this.options.create(cluster);
    this.readers.set(cluster, creating);
    try {
      const reader = await creating;
      this.settled.set(cluster, reader);
      return reader;
    } catch (error) {
      this.readers.delete(cluster);
      throw error;
    }
  }
}
