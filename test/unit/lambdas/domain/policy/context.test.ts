import { describe, expect, it } from 'vitest';
import { drainNumbers, sizeTick } from '#domain/policy/context';
import type { PolicyMemory, PolicyObservation } from '#domain/policy/index';
import type { TopicLoad } from '#domain/policy/sizing';
import {
  busyTopic,
  config,
  input,
  knownCapacity,
  NOW,
  observation,
  tickContext,
  topic,
} from '#support/builders/policy';

const SEC = 1000;
/** 2 tasks on 12 partitions, 12 000 behind, 1000 msg/s produced, 200 msg/s per task: 6 tasks drain it. */
const behind = (overrides: Parameters<typeof observation>[2] = {}): PolicyObservation =>
  observation(2, [busyTopic({ scalableLag: 12_000, maxPartitionLag: 1000 })], overrides);
const sized = (observed: PolicyObservation, memory: PolicyMemory = knownCapacity()) =>
  sizeTick(tickContext(input(observed, memory)));

describe('drainNumbers', () => {
  const load: TopicLoad = {
    partitions: 12,
    scalableLag: 12_000,
    maxPartitionLag: 1000,
    productionRate: 1000,
    maxPartitionProductionRate: undefined,
    capacityPerTask: 200,
  };

  it('drain seconds now (2 tasks cannot keep up: never) and at 6 tasks, one 1 s pause included', () => {
    const numbers = drainNumbers(tickContext(input(behind())), [load], 200, 6);
    expect(numbers.capacityPerTask).toBe(200);
    expect(numbers.drainSecondsNow).toBe(Infinity);
    // 6 tasks: the busiest holds 2 partitions (2000 behind, 167 msg/s): 1 + (2000 + 167) / (200 - 167) = 66 s.
    expect(numbers.drainSecondsRecommended).toBeCloseTo(66);
  });

  it('without loads only the capacity is known', () => {
    expect(drainNumbers(tickContext(input(behind())), undefined, 150, 6)).toEqual({
      capacityPerTask: 150,
      drainSecondsNow: undefined,
      drainSecondsRecommended: undefined,
    });
  });
});

describe('sizeTick', () => {
  it('sizes once: the recommendation, its numbers, the window and the memory to persist', () => {
    const memory = knownCapacity({ recommendations: [{ atMs: NOW - 60 * SEC, tasks: 2 }] });
    const context = sized(behind(), memory);
    expect(context).toMatchObject({
      current: 2,
      recommended: 6,
      sizingRule: 'drain-target',
      meetsTarget: true,
      numbers: { capacityPerTask: 200, drainSecondsNow: Infinity },
      stabilized: { tasks: 6, covered: false },
      sinceLastActionMs: Infinity,
    });
    expect(context.loads).toHaveLength(1);
    expect(context.next).toEqual({
      ...memory,
      recommendations: [
        { atMs: NOW - 60 * SEC, tasks: 2 },
        { atMs: NOW, tasks: 6 },
      ],
      settleWaitStartMs: undefined,
      settledSinceMs: memory.settledSinceMs,
      capacityPerTask: { orders: 200 },
    });
  });

  it('remembers a busy rate measured on a group settled for a whole window', () => {
    const context = sized(behind(), knownCapacity({ capacityPerTask: {} }));
    expect(context.next.capacityPerTask).toEqual({ orders: 200 });
    expect(context.numbers.capacityPerTask).toBe(200);
  });

  it('partial data records no recommendation in the window', () => {
    const context = sized(behind({ group: { freshness: 'partial' } }));
    expect(context.next.recommendations).toEqual([]);
  });

  it('past the settle timeout it persists the wait, not a settled-since', () => {
    const waiting = knownCapacity({ settleWaitStartMs: NOW - 400 * SEC });
    const context = sized(behind({ group: { state: 'PreparingRebalance' } }), waiting);
    expect(context.next).toMatchObject({ settleWaitStartMs: NOW - 400 * SEC, settledSinceMs: undefined });
  });

  it('counts the time since the last action of either direction', () => {
    const lastAction = { atMs: NOW - 30 * SEC, direction: 'in' as const, from: 4, to: 2 };
    expect(sized(behind(), knownCapacity({ lastAction })).sinceLastActionMs).toBe(30 * SEC);
  });

  it('falls back to the lag threshold and reports no drain numbers without a capacity', () => {
    const context = sized(
      observation(1, [topic({ scalableLag: 50_000, productionRate: 10 })]),
      knownCapacity({ capacityPerTask: {} }),
    );
    expect(context).toMatchObject({ recommended: 6, sizingRule: 'lag-threshold', loads: undefined });
    expect(context.numbers).toEqual({
      capacityPerTask: undefined,
      drainSecondsNow: undefined,
      drainSecondsRecommended: undefined,
    });
  });

  it('keeps the tick context it was built from', () => {
    const tick = tickContext(input(behind(), knownCapacity(), config({ maxTasks: 8 })));
    expect(sizeTick(tick)).toMatchObject(tick);
  });
});
