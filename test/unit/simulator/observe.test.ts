import { describe, expect, it } from 'vitest';
import { freshnessAt, observe, serviceOf, SIMULATED_GROUP, snapshotOf } from '#simulator/observe';
import { constantTrace, simState, START } from '#support/builders/simulator';

const NOW = START + 60_000;

describe('snapshotOf: what the offset reader would return', () => {
  it('whole committed and end offsets per partition, read_uncommitted, at the poll time', () => {
    const state = simState({ partitions: 3, initialTasks: 1 });
    state.partitions.forEach((partition, index) => {
      partition.end = 100.7 + index;
      partition.committed = 40.2;
    });
    const snapshot = snapshotOf(state, NOW, false);
    expect(snapshot).toMatchObject({ group: SIMULATED_GROUP, observedAtMs: NOW, isolation: 'read_uncommitted' });
    expect(snapshot.partitions.map((p) => [p.partition, p.committed, p.end])).toEqual([
      [0, { kind: 'committed', offset: 40n }, { kind: 'available', logStart: 0n, end: 100n }],
      [1, { kind: 'committed', offset: 40n }, { kind: 'available', logStart: 0n, end: 101n }],
      [2, { kind: 'committed', offset: 40n }, { kind: 'available', logStart: 0n, end: 102n }],
    ]);
  });

  it('members with their assignment while Stable; none assigned during a rebalance pause', () => {
    const state = simState({ partitions: 4, initialTasks: 2 });
    const stable = snapshotOf(state, NOW, false);
    expect(stable.state).toBe('Stable');
    expect(stable.members.map((m) => m.assignment)).toEqual([
      [{ topic: 'orders', partitions: [0, 1] }],
      [{ topic: 'orders', partitions: [2, 3] }],
    ]);
    state.rebalanceUntilSecond = 5;
    const rebalancing = snapshotOf(state, NOW, false);
    expect(rebalancing.state).toBe('PreparingRebalance');
    expect(rebalancing.members.map((m) => m.assignment)).toEqual([[], []]);
  });

  it('an empty group is Empty; partial data leaves odd partitions without a leader', () => {
    const empty = snapshotOf(simState({ initialTasks: 0 }), NOW, false);
    expect(empty.state).toBe('Empty');
    const partial = snapshotOf(simState({ partitions: 4 }), NOW, true);
    expect(partial.partitions.map((p) => p.end.kind)).toEqual(['available', 'unavailable', 'available', 'unavailable']);
  });
});

describe('observe', () => {
  it('an empty group with one task starting: desired 1, pending 1, deployment not steady', () => {
    const state = simState({ initialTasks: 0 });
    state.starting.push({ id: 0, readyAtSecond: 40 });
    expect(serviceOf(state)).toEqual({ desired: 1, running: 0, pending: 1, deploymentSteady: false });
    expect(observe(state, 0, NOW).service).toEqual(serviceOf(state));
  });

  it('data gaps: missing is no read, stale serves the last snapshot again, partial hides odd partitions', () => {
    const trace = constantTrace({
      dataGaps: [
        { fromSecond: 60, untilSecond: 120, freshness: 'missing' },
        { fromSecond: 120, untilSecond: 180, freshness: 'stale' },
        { fromSecond: 180, untilSecond: 240, freshness: 'partial' },
      ],
    });
    expect(freshnessAt(trace, 59)).toBe('complete');
    expect(freshnessAt(trace, 60)).toBe('missing');
    const state = simState({ dataGaps: trace.dataGaps });
    const first = observe(state, 0, NOW);
    expect(first.read?.kind).toBe('ok');
    expect(observe(state, 60, NOW + 60_000).read).toBeUndefined();
    const stale = observe(state, 120, NOW + 120_000);
    expect(stale.read).toEqual(first.read);
    const partial = observe(state, 180, NOW + 180_000);
    const ends = partial.read?.kind === 'ok' ? partial.read.snapshot.partitions.map((p) => p.end.kind) : [];
    expect(ends.filter((kind) => kind === 'unavailable')).toHaveLength(3);
  });
});
