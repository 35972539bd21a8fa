import { describe, expect, it } from 'vitest';
import { prefetchServices, prefetchStates } from '#application/prefetch';
import type { ServiceCapacity, ServiceRef, ServiceStatus } from '#ports/service-capacity';
import type { StateStore, StoredState } from '#ports/state-store';

const status = (desired: number): ServiceStatus => ({ desired, running: desired, pending: 0, deploymentSteady: true });

describe('prefetchStates', () => {
  it('answers load from one loadMany and passes saves through', async () => {
    const calls: string[] = [];
    const saved: string[] = [];
    const store: StateStore<number> = {
      load: (target) => {
        calls.push(`load ${target}`);
        return Promise.resolve(undefined);
      },
      loadMany: (targets) => {
        calls.push(`loadMany ${targets.join(',')}`);
        return Promise.resolve([
          { kind: 'loaded', stored: { version: 3, state: 7 } },
          { kind: 'failed', error: new Error('throttled') },
        ]);
      },
      save: (target) => {
        saved.push(target);
        return Promise.resolve(1);
      },
    };
    const prefetched = await prefetchStates(store, ['a', 'b']);
    expect(await prefetched.load('a')).toEqual<StoredState<number>>({ version: 3, state: 7 });
    await expect(prefetched.load('b')).rejects.toThrow('throttled');
    expect(await prefetched.load('c')).toBeUndefined();
    await prefetched.save('a', 8, 3);
    expect(calls).toEqual(['loadMany a,b', 'load c']);
    expect(saved).toEqual(['a']);
  });

  it('uses a store without loadMany as it is, and turns a failed batch into per-target failures', async () => {
    const plain: StateStore<number> = { load: () => Promise.resolve(undefined), save: () => Promise.resolve(1) };
    expect(await prefetchStates(plain, ['a'])).toBe(plain);
    const broken = await prefetchStates<number>(
      { ...plain, loadMany: () => Promise.reject(new Error('DynamoDB unreachable')) },
      ['a'],
    );
    await expect(broken.load('a')).rejects.toThrow('DynamoDB unreachable');
  });
});

describe('prefetchServices', () => {
  it('answers describe from one describeMany and passes setDesired through', async () => {
    const batches: ServiceRef[][] = [];
    const updates: [string, number][] = [];
    const capacity: ServiceCapacity = {
      describe: () => Promise.reject(new Error('not batched')),
      describeMany: (refs) => {
        batches.push([...refs]);
        return Promise.resolve(refs.map((_, i) => ({ kind: 'described', status: status(i + 1) })));
      },
      setDesired: (ref, count) => {
        updates.push([ref.service, count]);
        return Promise.resolve();
      },
    };
    const refs = [
      { cluster: 'c', service: 'a' },
      { cluster: 'd', service: 'a' },
    ];
    const prefetched = await prefetchServices(capacity, refs);
    expect(await prefetched.describe({ cluster: 'd', service: 'a' })).toEqual(status(2));
    expect(await prefetched.describe({ cluster: 'c', service: 'a' })).toEqual(status(1));
    await prefetched.setDesired({ cluster: 'c', service: 'a' }, 4);
    expect(batches).toHaveLength(1);
    expect(updates).toEqual([['a', 4]]);
  });
});
