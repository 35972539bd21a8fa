import { describe, expect, it } from 'vitest';
import { runTick } from '#application/tick';
import type { TargetState } from '#application/target-state';
import type { StoredState } from '#ports/state-store';
import { backlog, memoryTick, tickConfig } from '#support/builders/tick';

const stateOf = (t: ReturnType<typeof memoryTick>): TargetState =>
  (t.store.items.get('billing') as StoredState<TargetState>).state;

describe('runTick records what happened, not what was intended', () => {
  it('a failed UpdateService is recorded as failed, starts no cooldown and is decided again on the next tick', async () => {
    const t = memoryTick({ desired: 1, snapshot: (now) => backlog(300, 1, now) });
    t.service.failUpdates(1);
    const first = await runTick(tickConfig(), t.deps);
    expect(first.targets[0]).toMatchObject({
      kind: 'failed',
      decision: { kind: 'scale', from: 1, to: 4 },
      message: expect.stringMatching(/Service Unavailable/) as unknown,
    });
    expect(stateOf(t).lastDecision).toMatchObject({
      outcome: 'failed',
      error: expect.stringMatching(/Service Unavailable/) as unknown,
    });
    expect(stateOf(t).policy.lastAction).toBeUndefined();
    expect(t.lastMetric('ScalingFailures')).toEqual([1]);
    expect(t.lastMetric('ScalerErrors')).toEqual([1]);
    expect(t.lastMetric('ScalingActions')).toEqual([0]);
    expect(t.lastMetric('DesiredTasks')).toEqual([1]);

    t.advance(10_000); // well inside the 60 s scale-out cooldown a recorded action would start
    const second = await runTick(tickConfig(), t.deps);
    expect(second.targets[0]).toMatchObject({ kind: 'acted', decision: { kind: 'scale', from: 1, to: 4 } });
    expect(t.service.attempts).toEqual([4, 4]);
    expect(t.service.status.desired).toBe(4);
    expect(stateOf(t).lastDecision?.outcome).toBe('acted');
    expect(stateOf(t).policy.lastAction).toMatchObject({ direction: 'out', from: 1, to: 4 });
    expect(t.lastMetric('ScalingFailures')).toEqual([]);
    expect(t.lastMetric('ScalerErrors')).toEqual([0]);
  });

  it('a failed scale-out keeps the cooldown of the action before it', async () => {
    const t = memoryTick({ desired: 1, snapshot: (now) => backlog(300, 1, now) });
    await runTick(tickConfig({ scaleOutCooldownSeconds: 0 }), t.deps); // acts 1 -> 4
    const before = stateOf(t).policy.lastAction;
    t.service.status.desired = 1; // someone scaled it back by hand
    t.service.failUpdates(1);
    t.advance(5_000);
    const report = await runTick(tickConfig({ scaleOutCooldownSeconds: 0 }), t.deps);
    expect(report.targets[0]?.kind).toBe('failed');
    expect(stateOf(t).policy.lastAction).toEqual(before);
  });

  it('the claim is saved before the call and the outcome after it (two saves for an action, one for a hold)', async () => {
    const t = memoryTick({ desired: 1, snapshot: (now) => backlog(300, 1, now) });
    await runTick(tickConfig(), t.deps);
    expect(t.store.saves).toBe(2);
    expect(t.store.items.get('billing')?.version).toBe(2);
    t.advance(5_000);
    await runTick(tickConfig(), t.deps);
    expect(t.store.saves).toBe(3);
  });
});

describe('a decision left pending (the claiming invocation ended without recording its outcome)', () => {
  async function leftPending(desiredAfter: number) {
    const t = memoryTick({ desired: 1, snapshot: (now) => backlog(300, 1, now) });
    // The outcome save fails: the stored decision stays pending, as after a tick killed at its timeout.
    t.store.failSaves((_target, state) => (state as TargetState).lastDecision?.outcome !== 'pending');
    const first = await runTick(tickConfig(), { ...t.deps, deadline: () => t.now() + 30_000 });
    expect(first.targets[0]?.kind).toBe('acted');
    expect(stateOf(t).lastDecision?.outcome).toBe('pending');
    expect(t.lastMetric('ScalerErrors')).toEqual([1]);
    t.store.failSaves(() => false);
    t.service.status.desired = desiredAfter;
    return t;
  }

  it('at the decided count: recorded as acted, the cooldown holds, no second UpdateService', async () => {
    const t = await leftPending(4);
    t.advance(5_000);
    const report = await runTick(tickConfig(), t.deps);
    expect(report.targets[0]).toMatchObject({ kind: 'held' });
    expect(t.service.attempts).toEqual([4]);
    expect(t.logs.some((l) => l.message.includes('left pending') && JSON.stringify(l.fields).includes('"acted"'))).toBe(
      true,
    );
  });

  it('not at the decided count, within the claimer’s lease: a conflict, nothing done, StateConflicts', async () => {
    const t = await leftPending(1);
    t.advance(5_000);
    const report = await runTick(tickConfig(), t.deps);
    expect(report.targets[0]).toMatchObject({
      kind: 'conflict',
      message: expect.stringMatching(/in flight/) as unknown,
    });
    expect(t.service.attempts).toEqual([4]);
    expect(t.lastMetric('StateConflicts')).toEqual([1]);
  });

  it('not at the decided count, after the lease: failed (its cooldown undone), decided again and acted once', async () => {
    const t = await leftPending(1);
    t.advance(45_000); // past the 30 s deadline plus the margin
    const report = await runTick(tickConfig(), t.deps);
    expect(report.targets[0]).toMatchObject({ kind: 'acted', decision: { from: 1, to: 4 } });
    expect(t.service.attempts).toEqual([4, 4]);
    expect(t.lastMetric('ScalingFailures')).toEqual([1]);
  });
});

describe('state that heals', () => {
  it.each([
    ['unreadable bytes', { version: 7, unreadable: 'the state is not gzipped JSON (incorrect header check)' }],
    ['another shape', { version: 7, state: { schema: 1 } }],
    ['a newer schema', { version: 7, state: { schema: 9, policy: {} } }],
    ['not an object', { version: 7, state: 'garbage' }],
  ])('%s: replaced by a fresh state at its version, StateReset, and the tick goes on', async (_name, item) => {
    const t = memoryTick({ desired: 1, snapshot: (now) => backlog(300, 1, now) });
    t.store.items.set('billing', item);
    const report = await runTick(tickConfig(), t.deps);
    expect(report.targets[0]).toMatchObject({ kind: 'acted' });
    expect(t.store.items.get('billing')?.version).toBe(9);
    expect(stateOf(t).schema).toBe(2);
    expect(t.lastMetric('StateReset')).toEqual([1]);
    expect(t.logs.find((l) => l.message.startsWith('state reset'))?.fields).toMatchObject({ target: 'billing' });
  });

  it('an item without a version is replaced too (version 0), not a conflict forever', async () => {
    const t = memoryTick({ desired: 1, snapshot: (now) => backlog(300, 1, now) });
    t.store.items.set('billing', { version: 0, unreadable: 'the item has no numeric version attribute' });
    const report = await runTick(tickConfig(), t.deps);
    expect(report.targets[0]?.kind).toBe('acted');
  });

  it('never a scale-in on a reset state (here the bounds rule, which would move 4 tasks down to maxTasks 2)', async () => {
    const policy = { maxTasks: 2 };
    const t = memoryTick({ desired: 4, snapshot: (now) => backlog(0, 4, now) });
    t.store.items.set('billing', { version: 3, unreadable: 'corrupt' });
    const report = await runTick(tickConfig(policy), t.deps);
    expect(report.targets[0]).toMatchObject({
      kind: 'held',
      decision: {
        kind: 'hold',
        recommended: 2,
        inputs: { detail: expect.stringMatching(/state reset this tick/) as unknown },
      },
    });
    expect(t.service.attempts).toEqual([]);
    t.advance(5_000);
    const next = await runTick(tickConfig(policy), t.deps);
    expect(next.targets[0]).toMatchObject({ kind: 'acted', decision: { rule: 'bounds', from: 4, to: 2 } });
  });

  it('a schema 1 state is migrated, keeping its memory', async () => {
    const t = memoryTick({ desired: 1, snapshot: (now) => backlog(300, 1, now) });
    const lastAction = { atMs: t.now() - 10_000, direction: 'out', from: 1, to: 2 };
    t.store.items.set('billing', {
      version: 4,
      state: { schema: 1, policy: { recommendations: [], lastAction, capacityPerTask: {} }, lastDecision: undefined },
    });
    const report = await runTick(tickConfig(), t.deps);
    expect(report.targets[0]).toMatchObject({ kind: 'held', decision: { rule: 'scale-out-cooldown' } });
    expect(t.lastMetric('StateReset')).toEqual([]);
    expect(t.logs.some((l) => l.message === 'state migrated')).toBe(true);
  });

  it('a save conflict (another invocation saved first) is a conflict with StateConflicts', async () => {
    const t = memoryTick({ desired: 1, snapshot: (now) => backlog(300, 1, now) });
    const load = t.store.load.bind(t.store);
    t.deps.store.load = async (target) => {
      const item = await load(target);
      await t.store.save(target, { schema: 2, policy: { recommendations: [] } }, item?.version); // the other invocation
      return item;
    };
    const report = await runTick(tickConfig(), t.deps);
    expect(report.targets[0]?.kind).toBe('conflict');
    expect(t.service.attempts).toEqual([]);
    expect(t.lastMetric('StateConflicts')).toEqual([1]);
    expect(t.lastMetric('ScalerErrors')).toEqual([]);
  });
});

describe('conflicting scalers', () => {
  it('an Application Auto Scaling target on the service is reported (metric and log), per target', async () => {
    const t = memoryTick({ desired: 1, snapshot: (now) => backlog(0, 1, now) });
    const finder = {
      find: async () => [
        {
          service: { cluster: 'hospital', service: 'billing' },
          resourceId: 'service/hospital/billing',
          minCapacity: 1,
          maxCapacity: 10,
          policies: ['cpu-tracking'],
          suspended: false,
        },
      ],
    };
    await runTick(tickConfig(), { ...t.deps, externalScalers: finder });
    expect(t.lastMetric('ConflictingScalers')).toEqual([1]);
    const warning = t.logs.find((l) => l.message === 'another autoscaler sets this service');
    expect(JSON.stringify(warning?.fields)).toMatch(/deregister-scalable-target .*service\/hospital\/billing/);
    await runTick(tickConfig(), { ...t.deps, externalScalers: { find: async () => [] } });
    expect(t.lastMetric('ConflictingScalers')).toEqual([0]);
    expect(t.lastMetric('ExternalScalerCheckFailures')).toEqual([]);
  });

  it('a check that fails is an ERROR and ExternalScalerCheckFailures = 1, not a zero ConflictingScalers; scaling goes on', async () => {
    const t = memoryTick({ desired: 1, snapshot: (now) => backlog(0, 1, now) });
    const denied = {
      find: async () => {
        throw new Error(
          'AccessDeniedException: not authorized to perform application-autoscaling:DescribeScalableTargets',
        );
      },
    };
    const report = await runTick(tickConfig(), { ...t.deps, externalScalers: denied });
    expect(t.lastMetric('ExternalScalerCheckFailures')).toEqual([1]);
    expect(t.lastMetric('ConflictingScalers')).toEqual([]);
    expect(t.lastMetric('TickDuration')).toHaveLength(1);
    expect(t.logs.find((l) => l.message === 'cannot check the services for other autoscalers')?.level).toBe('error');
    expect(report.targets[0]?.kind).not.toBe('error');
  });
});
