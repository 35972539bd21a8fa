import { describe, expect, it } from 'vitest';
import type { PolicyConfig, PolicyMemory, PolicyObservation, PolicyOutcome, PolicyRule } from '#domain/policy/index';
import {
  atTarget,
  belowActivationLag,
  noData,
  notWorthRebalance,
  outsideBounds,
  partialDataNoScaleIn,
  scaleIn,
  scaleInCooldown,
  scaleOut,
  scaleOutCooldown,
  settling,
  settlingAfterTimeout,
  stabilization,
} from '#domain/policy/rules';
import {
  busyTopic,
  config,
  decisionContext,
  input,
  knownCapacity,
  NOW,
  observation,
  tickContext,
  topic,
} from '#support/builders/policy';

const SEC = 1000;

/** What a gate decided, in the words of the rule table: undefined when it passed to the next gate. */
interface Verdict {
  readonly kind: 'scale' | 'hold';
  readonly rule: PolicyRule;
  /** The scale target, or the recommendation a hold reports. */
  readonly tasks: number;
  readonly detail: string;
}
const verdict = (outcome: PolicyOutcome | undefined): Verdict | undefined => {
  if (outcome === undefined) return undefined;
  const { decision } = outcome;
  const tasks = decision.kind === 'scale' ? decision.to : decision.recommended;
  return { kind: decision.kind, rule: decision.rule, tasks, detail: decision.inputs.detail };
};

/** One gate's worked example: a tick, and what the gate decides on it. */
interface Row {
  readonly name: string;
  readonly observed: PolicyObservation;
  readonly memory?: PolicyMemory;
  readonly cfg?: PolicyConfig;
  readonly expected: Verdict | undefined;
}
const tickOf = (row: Row) => tickContext(input(row.observed, row.memory ?? knownCapacity(), row.cfg ?? config()));
const sizedOf = (row: Row) => decisionContext(input(row.observed, row.memory ?? knownCapacity(), row.cfg ?? config()));

/** 12 partitions at 1000 msg/s, 12 000 behind, capacity 200 msg/s per task: 6 tasks drain it. */
const behind = busyTopic({ scalableLag: 12_000, maxPartitionLag: 1000 });
/** Light load: 100 msg/s, nothing behind; one task does. */
const light = busyTopic({ productionRate: 100 });
const rebalancing = { group: { state: 'PreparingRebalance' as const } };
const ago = (seconds: number, direction: 'out' | 'in') => ({
  lastAction: { atMs: NOW - seconds * SEC, direction, from: 4, to: 6 },
});

/**
 * Partition 11 of 12 produces 300 msg/s, more than a task's 200: no count drains it. The rest (11
 * partitions, 660 msg/s, 7000 behind) needs 4 tasks; 7 give partition 11 a member of its own (range).
 */
const withHotPartition = busyTopic({
  productionRate: 960,
  scalableLag: 8000,
  maxPartitionLag: 1000,
  hottestPartition: { partition: 11, productionRate: 300, lag: 1000, timeLagSeconds: 30 },
  timeLagSecondsWithoutHottest: 20,
});
const hotReason = 'no count drains orders/11 (300/s > 200/s per task); 7 tasks give it a member of its own';
/** 6 tasks fit 1000 msg/s with 1000 behind, but the oldest record is 400 s old: late. */
const late = busyTopic({ scalableLag: 1000, maxPartitionLag: 100, timeLagSeconds: 400 });
const lateReason = 'orders: time lag 400 s above the drain target 300 s';

describe('gates before sizing', () => {
  describe('noData', () => {
    it.each<Row>([
      {
        name: 'missing data holds the current count',
        observed: observation(6, [behind], { group: { freshness: 'missing' } }),
        expected: { kind: 'hold', rule: 'no-data', tasks: 6, detail: 'data is missing' },
      },
      {
        name: 'stale data holds, however large the lag',
        observed: observation(2, [busyTopic({ scalableLag: 9e9 })], { group: { freshness: 'stale' } }),
        expected: { kind: 'hold', rule: 'no-data', tasks: 2, detail: 'data is stale' },
      },
      {
        name: 'no topics holds',
        observed: observation(3, []),
        expected: { kind: 'hold', rule: 'no-data', tasks: 3, detail: 'no topics observed' },
      },
      {
        name: 'partial data passes',
        observed: observation(2, [behind], { group: { freshness: 'partial' } }),
        expected: undefined,
      },
      { name: 'complete data passes', observed: observation(2, [behind]), expected: undefined },
    ])('$name', (row) => {
      expect(verdict(noData(tickOf(row)))).toEqual(row.expected);
    });

    it('reports the current count as both ends of the range and persists the memory untouched', () => {
      const memory = knownCapacity({ recommendations: [{ atMs: NOW - 10 * SEC, tasks: 3 }] });
      const outcome = noData(
        tickOf({
          name: '',
          observed: observation(4, [behind], { group: { freshness: 'stale' } }),
          memory,
          expected: undefined,
        }),
      );
      expect(outcome?.decision.inputs).toMatchObject({ lower: 4, upper: 4, capacityPerTask: undefined });
      expect(outcome?.memory).toBe(memory);
    });
  });

  describe('outsideBounds', () => {
    it.each<Row>([
      {
        name: 'above the partition cap: down to it',
        observed: observation(20, [behind]),
        expected: { kind: 'scale', rule: 'bounds', tasks: 12, detail: 'desired 20 above the cap 12' },
      },
      {
        name: 'above maxTasks 5 on 12 partitions: down to 4 (5 is no better)',
        observed: observation(5, [behind]),
        cfg: config({ maxTasks: 5 }),
        expected: { kind: 'scale', rule: 'bounds', tasks: 4, detail: 'desired 5 above the cap 4' },
      },
      {
        name: 'even while the group rebalances',
        observed: observation(20, [behind], rebalancing),
        expected: { kind: 'scale', rule: 'bounds', tasks: 12, detail: 'desired 20 above the cap 12' },
      },
      {
        name: 'zero tasks without scaleToZero: up to minTasks',
        observed: observation(0, [topic()]),
        cfg: config({ minTasks: 2 }),
        expected: { kind: 'scale', rule: 'bounds', tasks: 2, detail: 'desired 0 below the floor 2' },
      },
      {
        name: 'zero tasks with scaleToZero passes',
        observed: observation(0, [topic()]),
        cfg: config({ scaleToZero: true, minTasks: 2 }),
        expected: undefined,
      },
      { name: 'inside the range passes', observed: observation(6, [behind]), expected: undefined },
    ])('$name', (row) => {
      expect(verdict(outsideBounds(tickOf(row)))).toEqual(row.expected);
    });

    it('records the correction as an action, from the memory as it came in', () => {
      const waiting = knownCapacity({ settleWaitStartMs: NOW - 10 * SEC });
      const outcome = outsideBounds(
        tickOf({ name: '', observed: observation(20, [behind], rebalancing), memory: waiting, expected: undefined }),
      );
      expect(outcome?.memory).toEqual({
        ...waiting,
        lastAction: { atMs: NOW, direction: 'in', from: 20, to: 12 },
        settleWaitStartMs: undefined,
        settledSinceMs: undefined,
      });
    });
  });

  describe('settling', () => {
    it.each<Row>([
      {
        name: 'a rebalancing group holds, saying why',
        observed: observation(2, [behind], rebalancing),
        expected: {
          kind: 'hold',
          rule: 'settling',
          tasks: 2,
          detail: 'group PreparingRebalance, members 2, running 2/2, pending 0, deployment steady',
        },
      },
      {
        name: 'a rolling deployment with a pending task holds',
        observed: observation(2, [behind], { service: { deploymentSteady: false, pending: 1 } }),
        expected: {
          kind: 'hold',
          rule: 'settling',
          tasks: 2,
          detail: 'group Stable, members 2, running 2/2, pending 1, deployment rolling',
        },
      },
      { name: 'a settled group passes', observed: observation(2, [behind]), expected: undefined },
      {
        name: 'past the settle timeout (300 s) an unsettled group passes',
        observed: observation(2, [behind], rebalancing),
        memory: knownCapacity({ settleWaitStartMs: NOW - 300 * SEC }),
        expected: undefined,
      },
    ])('$name', (row) => {
      expect(verdict(settling(tickOf(row)))).toEqual(row.expected);
    });

    it('remembers when the wait began and forgets since when the group was settled', () => {
      const outcome = settling(
        tickOf({ name: '', observed: observation(2, [behind], rebalancing), expected: undefined }),
      );
      expect(outcome?.memory).toMatchObject({ settleWaitStartMs: NOW, settledSinceMs: undefined });
    });
  });
});

describe('gates after sizing', () => {
  describe('atTarget', () => {
    it.each<Row>([
      {
        name: 'the current count fits: hold',
        observed: observation(6, [busyTopic({ scalableLag: 1000, maxPartitionLag: 100 })]),
        expected: { kind: 'hold', rule: 'at-target', tasks: 6, detail: 'drain-target: 6 tasks fit' },
      },
      {
        name: 'the lag threshold fits too',
        observed: observation(1, [topic({ scalableLag: 5000 })]),
        memory: knownCapacity({ capacityPerTask: {} }),
        expected: { kind: 'hold', rule: 'at-target', tasks: 1, detail: 'lag-threshold: 1 tasks fit' },
      },
      {
        name: 'at the count that isolates an unfixable hot partition: held under its own rule, naming it',
        observed: observation(7, [withHotPartition]),
        expected: { kind: 'hold', rule: 'hot-partition', tasks: 7, detail: `${hotReason}; 7 tasks serve the rest` },
      },
      { name: 'more needed: passes', observed: observation(2, [behind]), expected: undefined },
      { name: 'fewer needed: passes', observed: observation(6, [light]), expected: undefined },
      {
        name: 'late at a count that fits: passes (one step more)',
        observed: observation(6, [late]),
        expected: undefined,
      },
    ])('$name', (row) => {
      expect(verdict(atTarget(sizedOf(row)))).toEqual(row.expected);
    });
  });

  describe('belowActivationLag (activationLag 50)', () => {
    const toZero = config({ scaleToZero: true, activationLag: 50 });
    it.each<Row>([
      {
        name: 'stopped, lag 10: stays stopped',
        observed: observation(0, [topic({ scalableLag: 10 })]),
        cfg: toZero,
        expected: { kind: 'hold', rule: 'activation', tasks: 1, detail: 'lag 10 <= activationLag 50' },
      },
      {
        name: 'stopped, lag exactly 50: stays stopped',
        observed: observation(0, [topic({ scalableLag: 50 })]),
        cfg: toZero,
        expected: { kind: 'hold', rule: 'activation', tasks: 1, detail: 'lag 50 <= activationLag 50' },
      },
      {
        name: 'stopped, lag 51: passes',
        observed: observation(0, [topic({ scalableLag: 51 })]),
        cfg: toZero,
        expected: undefined,
      },
      { name: 'running tasks: passes', observed: observation(2, [behind]), cfg: toZero, expected: undefined },
      {
        name: 'stopped, lag 0, but records produced to partitions never committed on (latest): passes',
        observed: observation(0, [topic({ scalableLag: 0, productionRate: 300, partitionsWithoutCommit: 12 })]),
        cfg: toZero,
        expected: undefined,
      },
      {
        name: 'stopped, one partition never committed on and something produced: passes',
        observed: observation(0, [topic({ scalableLag: 0, productionRate: 0.5, partitionsWithoutCommit: 1 })]),
        cfg: toZero,
        expected: undefined,
      },
      {
        name: 'stopped, never committed on, production unknown: stays stopped',
        observed: observation(0, [topic({ scalableLag: 0, productionRate: undefined, partitionsWithoutCommit: 12 })]),
        cfg: toZero,
        expected: { kind: 'hold', rule: 'activation', tasks: 1, detail: 'lag 0 <= activationLag 50' },
      },
      {
        // 300 msg/s at the 200 per task remembered: 2 tasks would be started.
        name: 'stopped, produced to partitions all committed on: the lag shows it, stays stopped below 50',
        observed: observation(0, [topic({ scalableLag: 10, productionRate: 300, partitionsWithoutCommit: 0 })]),
        cfg: toZero,
        expected: { kind: 'hold', rule: 'activation', tasks: 2, detail: 'lag 10 <= activationLag 50' },
      },
    ])('$name', (row) => {
      expect(verdict(belowActivationLag(sizedOf(row)))).toEqual(row.expected);
    });
  });

  describe('scaleOutCooldown (60 s)', () => {
    it.each<Row>([
      {
        name: 'a scale-out 30 s ago: wait',
        observed: observation(2, [behind]),
        memory: knownCapacity(ago(30, 'out')),
        expected: { kind: 'hold', rule: 'scale-out-cooldown', tasks: 6, detail: 'last scale-out 30s ago' },
      },
      {
        name: 'a scale-out 60 s ago: passes',
        observed: observation(2, [behind]),
        memory: knownCapacity(ago(60, 'out')),
        expected: undefined,
      },
      {
        name: 'a scale-in 10 s ago does not hold a scale-out',
        observed: observation(2, [behind]),
        memory: knownCapacity(ago(10, 'in')),
        expected: undefined,
      },
      { name: 'no action yet: passes', observed: observation(2, [behind]), expected: undefined },
    ])('$name', (row) => {
      expect(verdict(scaleOutCooldown(sizedOf(row)))).toEqual(row.expected);
    });
  });

  describe('notWorthRebalance', () => {
    /** 4 tasks keep up (nothing produced) with 160 000 behind at 100 msg/s per task: 400 s to drain. */
    const backlogOnly = observation(4, [
      busyTopic({ productionRate: 0, consumptionRatePerTask: 100, scalableLag: 160_000, maxPartitionLag: 10_000 }),
    ]);
    const slowTasks = knownCapacity({ capacityPerTask: { orders: 100 } });
    it.each<Row>([
      {
        name: 'a 200 s pause costs more than 12 tasks save (400 s -> 333 s, target unreachable)',
        observed: backlogOnly,
        memory: slowTasks,
        cfg: config({ rebalancePauseSeconds: 200 }),
        expected: {
          kind: 'hold',
          rule: 'not-worth-rebalance',
          tasks: 12,
          detail: 'saves 66.7s of drain for a 200s pause (target unreachable)',
        },
      },
      {
        name: 'already drains within the target: 5 tasks (useless, as fast as 4) need 299 s without a pause',
        observed: observation(5, [busyTopic({ productionRate: 600, scalableLag: 59_800, maxPartitionLag: 4983 })]),
        expected: {
          kind: 'hold',
          rule: 'not-worth-rebalance',
          tasks: 6,
          detail: 'saves 197.3s of drain for a 1s pause',
        },
      },
      { name: 'a 1 s pause is worth 6 tasks: passes', observed: backlogOnly, memory: slowTasks, expected: undefined },
      {
        name: 'the current count falls behind production: passes',
        observed: observation(2, [behind]),
        expected: undefined,
      },
      {
        // The drain numbers leave the hot partition out: the rest already drains in time at 4 tasks, so
        // weighing drain time would hold every step toward the partition's own member (like 'behind').
        name: 'an unfixable hot partition: the step to its own member is not weighed on drain time it cannot show',
        observed: observation(4, [withHotPartition]),
        expected: undefined,
      },
      {
        name: 'late: the drain target is already missed, so the step is worth its pause',
        observed: observation(6, [late]),
        expected: undefined,
      },
      {
        name: 'no drain numbers without a capacity: passes',
        observed: observation(1, [topic({ scalableLag: 50_000 })]),
        memory: knownCapacity({ capacityPerTask: {} }),
        expected: undefined,
      },
    ])('$name', (row) => {
      expect(verdict(notWorthRebalance(sizedOf(row)))).toEqual(row.expected);
    });
  });

  describe('scaleOut', () => {
    it.each<Row>([
      {
        name: 'straight to the recommendation',
        observed: observation(2, [behind]),
        expected: { kind: 'scale', rule: 'drain-target', tasks: 6, detail: 'drain-target recommends 6' },
      },
      {
        name: 'maxStepUp 1 from 4 is rounded up to the next useful count (5 -> 6), not to the 12 recommended',
        observed: observation(4, [busyTopic({ scalableLag: 120_000, maxPartitionLag: 10_000 })]),
        cfg: config({ maxStepUp: 1 }),
        expected: { kind: 'scale', rule: 'drain-target', tasks: 6, detail: 'drain-target recommends 12' },
      },
      {
        name: 'late at a count that fits: one useful step more, saying why',
        observed: observation(6, [late]),
        expected: { kind: 'scale', rule: 'behind', tasks: 12, detail: `behind recommends 12: ${lateReason}` },
      },
      {
        name: 'an unfixable hot partition: to the count that gives it a member of its own (range: 7)',
        observed: observation(4, [withHotPartition]),
        expected: {
          kind: 'scale',
          rule: 'hot-partition',
          tasks: 7,
          detail: `hot-partition recommends 7: ${hotReason}`,
        },
      },
      {
        name: 'from zero straight to the recommendation, whatever maxStepUp',
        observed: observation(0, [topic({ scalableLag: 50_000 })]),
        memory: knownCapacity({ capacityPerTask: {} }),
        cfg: config({ scaleToZero: true, maxStepUp: 1 }),
        expected: { kind: 'scale', rule: 'activation', tasks: 6, detail: 'activation recommends 6' },
      },
    ])('$name', (row) => {
      expect(verdict(scaleOut(sizedOf(row)))).toEqual(row.expected);
    });
  });

  describe('partialDataNoScaleIn', () => {
    it.each<Row>([
      {
        name: 'partial data never scales in',
        observed: observation(6, [light], { group: { freshness: 'partial' } }),
        expected: { kind: 'hold', rule: 'partial-data-no-scale-in', tasks: 1, detail: 'lag is a lower bound' },
      },
      { name: 'complete data passes', observed: observation(6, [light]), expected: undefined },
    ])('$name', (row) => {
      expect(verdict(partialDataNoScaleIn(sizedOf(row)))).toEqual(row.expected);
    });
  });

  describe('settlingAfterTimeout', () => {
    it.each<Row>([
      {
        name: 'past the settle timeout a scale-in still waits for a settled group',
        observed: observation(6, [light], rebalancing),
        memory: knownCapacity({ settleWaitStartMs: NOW - 301 * SEC }),
        expected: {
          kind: 'hold',
          rule: 'settling',
          tasks: 1,
          detail: 'settle timeout passed; scale-in waits for a settled group',
        },
      },
      { name: 'a settled group passes', observed: observation(6, [light]), expected: undefined },
    ])('$name', (row) => {
      expect(verdict(settlingAfterTimeout(sizedOf(row)))).toEqual(row.expected);
    });
  });

  describe('scaleInCooldown (300 s)', () => {
    it.each<Row>([
      {
        name: 'a scale-out 100 s ago: no scale-in yet',
        observed: observation(6, [light]),
        memory: knownCapacity(ago(100, 'out')),
        expected: { kind: 'hold', rule: 'scale-in-cooldown', tasks: 1, detail: 'last action 100s ago' },
      },
      {
        name: 'a scale-in 299 s ago: no scale-in yet',
        observed: observation(6, [light]),
        memory: knownCapacity(ago(299, 'in')),
        expected: { kind: 'hold', rule: 'scale-in-cooldown', tasks: 1, detail: 'last action 299s ago' },
      },
      {
        name: 'an action 300 s ago: passes',
        observed: observation(6, [light]),
        memory: knownCapacity(ago(300, 'in')),
        expected: undefined,
      },
      { name: 'no action yet: passes', observed: observation(6, [light]), expected: undefined },
    ])('$name', (row) => {
      expect(verdict(scaleInCooldown(sizedOf(row)))).toEqual(row.expected);
    });
  });

  describe('stabilization (300 s window)', () => {
    it.each<Row>([
      {
        name: 'history that does not cover the window yet: wait',
        observed: observation(6, [light]),
        expected: {
          kind: 'hold',
          rule: 'stabilization',
          tasks: 1,
          detail: 'history does not cover the stabilization window yet',
        },
      },
      {
        name: 'a recommendation of 6 inside the window: wait',
        observed: observation(6, [light]),
        memory: knownCapacity({
          recommendations: [
            { atMs: NOW - 700 * SEC, tasks: 1 },
            { atMs: NOW - 200 * SEC, tasks: 6 },
          ],
        }),
        expected: {
          kind: 'hold',
          rule: 'stabilization',
          tasks: 1,
          detail: 'highest recommendation in the window is 6',
        },
      },
      {
        name: 'a covered window whose highest recommendation is below the current count: passes',
        observed: observation(6, [light]),
        memory: knownCapacity({ recommendations: [{ atMs: NOW - 700 * SEC, tasks: 2 }] }),
        expected: undefined,
      },
      {
        name: 'a zero window is always covered: passes',
        observed: observation(6, [light]),
        cfg: config({ scaleInStabilizationSeconds: 0 }),
        expected: undefined,
      },
    ])('$name', (row) => {
      expect(verdict(stabilization(sizedOf(row)))).toEqual(row.expected);
    });
  });

  describe('scaleIn', () => {
    const since = (tasks: number) => knownCapacity({ recommendations: [{ atMs: NOW - 700 * SEC, tasks }] });
    it.each<Row>([
      {
        name: "to the window's highest recommendation",
        observed: observation(6, [light]),
        memory: since(2),
        expected: { kind: 'scale', rule: 'drain-target', tasks: 2, detail: 'window max 2' },
      },
      {
        name: 'maxStepDown 6 from 12 stops at 6',
        observed: observation(12, [light]),
        memory: since(1),
        cfg: config({ maxStepDown: 6 }),
        expected: { kind: 'scale', rule: 'drain-target', tasks: 6, detail: 'window max 1' },
      },
      {
        name: 'an idle window goes to zero',
        observed: observation(2, [topic({ productionRate: 0, consumptionRatePerTask: 0 })]),
        memory: since(0),
        cfg: config({ scaleToZero: true }),
        expected: { kind: 'scale', rule: 'scale-to-zero', tasks: 0, detail: 'window max 0' },
      },
      {
        // 100 msg/s needs 1 task, but 120 000 behind needs 3 to drain in 300 s: the window remembers 1.
        name: "not below this tick's recommendation when the backlog asks for more than production needs",
        observed: observation(12, [busyTopic({ productionRate: 100, scalableLag: 120_000, maxPartitionLag: 10_000 })]),
        memory: since(1),
        expected: { kind: 'scale', rule: 'drain-target', tasks: 3, detail: 'window max 3' },
      },
      {
        name: 'no useful count between a window max of 5 and 6 tasks (5 is no better than 6 on 12 partitions): hold',
        observed: observation(6, [light]),
        memory: since(5),
        expected: { kind: 'hold', rule: 'stabilization', tasks: 1, detail: 'no useful count between 5 and 6' },
      },
    ])('$name', (row) => {
      expect(verdict(scaleIn(sizedOf(row)))).toEqual(row.expected);
    });
  });
});
