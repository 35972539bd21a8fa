import { describe, expect, it } from 'vitest';
import type { PolicyConfig, PolicyMemory } from '#domain/policy/index';
import { decisionInputs, hold, holdAfterSizing, scale, scaleAfterSizing } from '#domain/policy/outcome';
import {
  busyTopic,
  config,
  decisionContext,
  input,
  knownCapacity,
  NOW,
  observation,
  settledMemory,
  tickContext,
  topic,
} from '#support/builders/policy';

/** 4 tasks on 12 partitions, 1000 messages behind, settled: a tick any rule could decide. */
const tickAt = (cfg: PolicyConfig = config()) =>
  tickContext(input(observation(4, [topic({ scalableLag: 1000, productionRate: 50 })]), settledMemory(NOW), cfg));
const remembered: PolicyMemory = settledMemory(NOW, { settleWaitStartMs: NOW - 5000 });

describe('decisionInputs', () => {
  it('reports the totals and the task range, with no rate numbers unless a rule gives them', () => {
    expect(decisionInputs(tickAt(), 6, { detail: 'why' })).toEqual({
      current: 4,
      capPartitions: 12,
      scalableLag: 1000,
      excludedLag: 0,
      productionRate: 50,
      timeLagSeconds: undefined,
      freshness: 'complete',
      recommended: 6,
      lower: 1,
      upper: 12,
      capacityPerTask: undefined,
      drainSecondsNow: undefined,
      drainSecondsRecommended: undefined,
      hotPartitions: 0,
      detail: 'why',
    });
  });

  it("puts a rule's own numbers on top, even the range (no-data reports the current count as both ends)", () => {
    const own = { lower: 4, upper: 4, capacityPerTask: 200, drainSecondsNow: 12, hotPartitions: 1 };
    expect(decisionInputs(tickAt(), 4, own)).toMatchObject({ ...own, detail: '' });
  });
});

describe('hold', () => {
  it('keeps the count, names the rule and what sizing wanted, and persists the memory it is given', () => {
    const outcome = hold(tickAt(), 'scale-in-cooldown', 2, { detail: 'last action 60s ago' }, remembered);
    expect(outcome.decision).toEqual({
      kind: 'hold',
      rule: 'scale-in-cooldown',
      recommended: 2,
      inputs: decisionInputs(tickAt(), 2, { detail: 'last action 60s ago' }),
    });
    expect(outcome.memory).toBe(remembered);
  });
});

describe('scale', () => {
  it.each([
    { name: 'up is a scale-out', to: 6, direction: 'out' },
    { name: 'down is a scale-in', to: 2, direction: 'in' },
  ])('$name, remembered as the last action; the next tick waits for the group to settle again', ({ to, direction }) => {
    const { decision, memory } = scale(tickAt(), 'drain-target', to, { detail: 'd' }, remembered);
    expect(decision).toEqual({
      kind: 'scale',
      from: 4,
      to,
      direction,
      rule: 'drain-target',
      dryRun: false,
      inputs: decisionInputs(tickAt(), to, { detail: 'd' }),
    });
    expect(memory).toEqual({
      ...remembered,
      lastAction: { atMs: NOW, direction, from: 4, to },
      settleWaitStartMs: undefined,
      settledSinceMs: undefined,
    });
  });

  it('a dry run decides the same but persists the memory untouched: no cooldown starts', () => {
    const { decision, memory } = scale(tickAt(config({ dryRun: true })), 'drain-target', 6, {}, remembered);
    expect(decision).toMatchObject({ kind: 'scale', from: 4, to: 6, dryRun: true });
    expect(memory).toBe(remembered);
  });
});

describe('after sizing', () => {
  // Sized to 6 on 12 partitions from 2 tasks, with a measured capacity: every drain number is known.
  const context = decisionContext(
    input(observation(2, [busyTopic({ scalableLag: 12_000, maxPartitionLag: 1000 })]), knownCapacity()),
  );

  it('holdAfterSizing holds at the recommendation with the drain numbers and the memory this tick built', () => {
    const { decision, memory } = holdAfterSizing(context, 'scale-out-cooldown', 'cooling');
    expect(decision).toEqual({
      kind: 'hold',
      rule: 'scale-out-cooldown',
      recommended: 6,
      inputs: decisionInputs(context, 6, { ...context.numbers, detail: 'cooling' }),
    });
    expect(memory).toBe(context.next);
  });

  it('scaleAfterSizing scales with the drain numbers and adds its action to the memory this tick built', () => {
    const { decision, memory } = scaleAfterSizing(context, 'drain-target', 4, 'stepped');
    expect(decision).toMatchObject({ kind: 'scale', from: 2, to: 4, direction: 'out', rule: 'drain-target' });
    expect(decision.inputs).toEqual(decisionInputs(context, 4, { ...context.numbers, detail: 'stepped' }));
    expect(memory).toEqual({
      ...context.next,
      lastAction: { atMs: NOW, direction: 'out', from: 2, to: 4 },
      settleWaitStartMs: undefined,
      settledSinceMs: undefined,
    });
  });
});
