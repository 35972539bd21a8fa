import { describe, expect, it } from 'vitest';
import { ClusterReaders } from '#adapters/kafka/cluster-readers';
import type { GroupReadResult } from '#domain/lag/snapshot';
import type { GroupSelection, OffsetReader } from '#ports/offset-reader';

/** An in-memory reader that answers every group as not found, tagged with its cluster, and counts reads. */
function fakeReader(cluster: string, reads: string[]): OffsetReader {
  return {
    read: (selections: readonly GroupSelection[]) => {
      reads.push(cluster);
      return Promise.resolve(
        selections.map((s): GroupReadResult => ({ kind: 'not-found', group: `${cluster}/${s.group}` })),
      );
    },
    listGroups: () => Promise.resolve([`${cluster}-g`]),
    close: () => Promise.resolve(),
  };
}

describe('ClusterReaders', () => {
  it('sends each selection to its cluster once per read and answers in the order asked', async () => {
    const reads: string[] = [];
    const created: string[] = [];
    const readers = new ClusterReaders({
      clusters: ['default', 'east'],
      defaultCluster: 'default',
      create: (cluster) => {
        created.push(cluster);
        return Promise.resolve(fakeReader(cluster, reads));
      },
    });
    const selections = [{ group: 'a' }, { group: 'a', cluster: 'east' }, { group: 'b' }];
    expect(await readers.read(selections)).toEqual([
      { kind: 'not-found', group: 'default/a' },
      { kind: 'not-found', group: 'east/a' },
      { kind: 'not-found', group: 'default/b' },
    ]);
    await readers.read(selections);
    expect(reads.sort()).toEqual(['default', 'default', 'east', 'east']);
    expect(created.sort()).toEqual(['default', 'east']);
    expect(await readers.listGroups()).toEqual(['default-g', 'east-g']);
  });

  it("fails only an unreachable cluster's groups, and tries to create its reader again next read", async () => {
    let attempts = 0;
    const readers = new ClusterReaders({
      clusters: ['default', 'east'],
      defaultCluster: 'default',
      create: (cluster) => {
        if (cluster === 'default') return Promise.resolve(fakeReader(cluster, []));
        attempts += 1;
        return Promise.reject(new Error('connect ECONNREFUSED'));
      },
    });
    const results = await readers.read([{ group: 'a' }, { group: 'a', cluster: 'east' }]);
    expect(results[0]).toEqual({ kind: 'not-found', group: 'default/a' });
    expect(results[1]).toEqual({
      kind: 'error',
      group: 'a',
      message: "Kafka cluster 'east': connect ECONNREFUSED",
      retriable: true,
    });
    await readers.read([{ group: 'a', cluster: 'east' }, { group: 'b' }]);
    expect(attempts).toBe(2);
  });

  it('fails the whole read when no cluster can be read, as a one-cluster read would', async () => {
    const down = (cluster: string) => Promise.reject(new Error(`${cluster} is down`));
    const one = new ClusterReaders({ clusters: ['default'], defaultCluster: 'default', create: down });
    await expect(one.read([{ group: 'a' }])).rejects.toThrow('default is down');
    const two = new ClusterReaders({ clusters: ['a', 'b'], defaultCluster: 'a', create: down });
    await expect(two.read([{ group: 'g' }, { group: 'g', cluster: 'b' }])).rejects.toThrow(
      /no Kafka cluster could be read: a: a is down; b: b is down/,
    );
  });
});
