import { describe, expect, it } from 'vitest';
import {
  decideScaling,
  emptyPolicyMemory,
  type PolicyMemory,
  type PolicyRule,
  type ServiceObservation,
} from '#domain/policy/index';
import { observe } from '#domain/policy/observe';
import { measureSnapshots, member, part, ticks, TOPIC } from '#support/builders/lag';
import { config, input, NOW, observation, sampledCapacity, settledMemory, topic } from '#support/builders/policy';

const SEC = 1000;
/** 12 partitions, capacity 200 msg/s per task known from memory. */
const known = (overrides: Partial<PolicyMemory> = {}): PolicyMemory =>
  settledMemory(NOW, { capacityPerTask: { orders: 200 }, ...overrides });
const busy = (overrides: Parameters<typeof topic>[0] = {}) =>
  topic({ productionRate: 1000, consumptionRatePerTask: 200, timeLagSeconds: 30, ...overrides });

describe('decideScaling: rules', () => {
  it.each<[string, ReturnType<typeof input>, 'scale' | 'hold', PolicyRule, number]>([
    [
      'drain target sizes from measured rates (2 -> 6 on 12 partitions)',
      input(observation(2, [busy({ scalableLag: 12_000, maxPartitionLag: 1000 })]), known()),
      'scale',
      'drain-target',
      6,
    ],
    [
      'reaches the partition count exactly when needed',
      input(observation(2, [busy({ scalableLag: 120_000, maxPartitionLag: 10_000 })]), known()),
      'scale',
      'drain-target',
      12,
    ],
    [
      'falls back to the lag threshold without rates, rounded up to a useful count (5 -> 6)',
      input(observation(1, [topic({ scalableLag: 50_000, maxPartitionLag: 5000 })])),
      'scale',
      'lag-threshold',
      6,
    ],
    [
      'holds when the current count fits',
      input(observation(6, [busy({ scalableLag: 1000, maxPartitionLag: 100 })]), known()),
      'hold',
      'at-target',
      6,
    ],
    [
      'missing data holds',
      input(observation(6, [busy()], { group: { freshness: 'missing' } }), known()),
      'hold',
      'no-data',
      6,
    ],
    [
      'stale data holds even with a huge lag',
      input(observation(2, [busy({ scalableLag: 9e9 })], { group: { freshness: 'stale' } }), known()),
      'hold',
      'no-data',
      2,
    ],
    [
      'partial data still scales out',
      input(
        observation(2, [busy({ scalableLag: 12_000, maxPartitionLag: 1000 })], { group: { freshness: 'partial' } }),
        known(),
      ),
      'scale',
      'drain-target',
      6,
    ],
    [
      'partial data never scales in',
      input(observation(6, [busy({ productionRate: 100 })], { group: { freshness: 'partial' } }), known()),
      'hold',
      'partial-data-no-scale-in',
      1,
    ],
    ['desired above the partition cap is corrected', input(observation(20, [busy()]), known()), 'scale', 'bounds', 12],
    [
      'maxTasks 5 on 12 partitions caps at 4 (5 is no better)',
      input(observation(5, [busy()]), known(), config({ maxTasks: 5 })),
      'scale',
      'bounds',
      4,
    ],
    [
      'waits while the group rebalances',
      input(observation(2, [busy({ scalableLag: 120_000 })], { group: { state: 'PreparingRebalance' } }), known()),
      'hold',
      'settling',
      2,
    ],
    [
      'waits while members differ from running tasks',
      input(observation(2, [busy({ scalableLag: 120_000 })], { group: { members: 1 } }), known()),
      'hold',
      'settling',
      2,
    ],
    [
      'waits while the deployment rolls',
      input(observation(2, [busy({ scalableLag: 120_000 })], { service: { deploymentSteady: false } }), known()),
      'hold',
      'settling',
      2,
    ],
    [
      'decides after the settle timeout',
      input(
        observation(2, [busy({ scalableLag: 12_000, maxPartitionLag: 1000 })], {
          group: { state: 'PreparingRebalance' },
        }),
        known({ settleWaitStartMs: NOW - 301 * SEC }),
      ),
      'scale',
      'drain-target',
      6,
    ],
    [
      'scale-out cooldown',
      input(
        observation(2, [busy({ scalableLag: 12_000, maxPartitionLag: 1000 })]),
        known({ lastAction: { atMs: NOW - 30 * SEC, direction: 'out', from: 1, to: 2 } }),
      ),
      'hold',
      'scale-out-cooldown',
      6,
    ],
    [
      'scale-in cooldown after any action',
      input(
        observation(6, [busy({ productionRate: 100 })]),
        known({ lastAction: { atMs: NOW - 100 * SEC, direction: 'out', from: 4, to: 6 } }),
      ),
      'hold',
      'scale-in-cooldown',
      1,
    ],
    [
      'stabilization: a higher recommendation inside the window blocks scale-in',
      input(
        observation(6, [busy({ productionRate: 100 })]),
        known({
          recommendations: [
            { atMs: NOW - 700 * SEC, tasks: 1 },
            { atMs: NOW - 200 * SEC, tasks: 6 },
          ],
        }),
      ),
      'hold',
      'stabilization',
      1,
    ],
    [
      'stabilization: scale-in waits until history covers the window',
      input(observation(6, [busy({ productionRate: 100 })]), known({ recommendations: [] })),
      'hold',
      'stabilization',
      1,
    ],
    [
      'scales in to the highest recommendation of a covered window',
      input(
        observation(6, [busy({ productionRate: 100 })]),
        known({
          recommendations: [
            { atMs: NOW - 700 * SEC, tasks: 2 },
            { atMs: NOW - 60 * SEC, tasks: 1 },
          ],
        }),
      ),
      'scale',
      'drain-target',
      2,
    ],
    [
      'excluded (stalled) lag does not drive the group to max',
      input(observation(2, [busy({ productionRate: 100, excludedLag: 5_000_000 })]), known()),
      'hold',
      'stabilization',
      1,
    ],
    [
      'an unfixable slow partition does not chase max: 10% of the best drain time is enough',
      input(
        observation(6, [busy({ productionRate: 120, scalableLag: 1_000_100, maxPartitionLag: 1_000_000 })]),
        known(),
      ),
      'hold',
      'at-target',
      6,
    ],
    [
      'weighs the pause: a step that saves less drain time than the pause costs is not taken',
      input(
        observation(4, [
          busy({ productionRate: 0, consumptionRatePerTask: 100, scalableLag: 160_000, maxPartitionLag: 10_000 }),
        ]),
        known({ capacityPerTask: { orders: 100 } }),
        config({ rebalancePauseSeconds: 200 }),
      ),
      'hold',
      'not-worth-rebalance',
      12,
    ],
    [
      'the same step is taken when the pause is short',
      input(
        observation(4, [
          busy({ productionRate: 0, consumptionRatePerTask: 100, scalableLag: 160_000, maxPartitionLag: 10_000 }),
        ]),
        known({ capacityPerTask: { orders: 100 } }),
      ),
      'scale',
      'drain-target',
      6,
    ],
    [
      'counts the backlog that builds while new tasks start (120 s start: 2 -> 12, not 6)',
      input(
        observation(2, [busy({ scalableLag: 12_000, maxPartitionLag: 1000 })]),
        known(),
        config({ taskStartSeconds: 120 }),
      ),
      'scale',
      'drain-target',
      12,
    ],
    [
      'maxStepUp is rounded up to the next useful count (4 + 1 -> 6)',
      input(
        observation(4, [busy({ scalableLag: 120_000, maxPartitionLag: 10_000 })]),
        known(),
        config({ maxStepUp: 1 }),
      ),
      'scale',
      'drain-target',
      6,
    ],
    [
      'maxStepDown bounds a scale-in (12 - 6 -> 6)',
      input(
        observation(12, [busy({ productionRate: 100 })]),
        known({ recommendations: [{ atMs: NOW - 700 * SEC, tasks: 1 }] }),
        config({ maxStepDown: 6 }),
      ),
      'scale',
      'drain-target',
      6,
    ],
    [
      'at zero tasks, lag below activationLag holds',
      input(
        observation(0, [topic({ scalableLag: 10 })]),
        emptyPolicyMemory,
        config({ scaleToZero: true, activationLag: 50 }),
      ),
      'hold',
      'activation',
      1,
    ],
    [
      'at zero tasks, lag above activationLag starts the group',
      input(
        observation(0, [topic({ scalableLag: 100 })]),
        emptyPolicyMemory,
        config({ scaleToZero: true, activationLag: 50 }),
      ),
      'scale',
      'activation',
      1,
    ],
    [
      'idle with scaleToZero scales to zero after the window',
      input(
        observation(2, [topic({ productionRate: 0, consumptionRatePerTask: 0 })]),
        known({ recommendations: [{ atMs: NOW - 700 * SEC, tasks: 0 }] }),
        config({ scaleToZero: true }),
      ),
      'scale',
      'scale-to-zero',
      0,
    ],
    [
      'zero tasks without scaleToZero is raised to minTasks',
      input(observation(0, [topic()]), emptyPolicyMemory, config({ minTasks: 2 })),
      'scale',
      'bounds',
      2,
    ],
  ])('%s', (_name, policyInput, kind, rule, target) => {
    const { decision } = decideScaling(policyInput, NOW);
    expect({ kind: decision.kind, rule: decision.rule }).toEqual({ kind, rule });
    expect(decision.kind === 'scale' ? decision.to : decision.recommended).toBe(target);
  });
});

describe('decideScaling: memory and explanations', () => {
  it('records the action and starts waiting for the group to settle', () => {
    const { decision, memory } = decideScaling(
      input(observation(2, [busy({ scalableLag: 12_000, maxPartitionLag: 1000 })]), known()),
      NOW,
    );
    expect(decision).toMatchObject({ kind: 'scale', from: 2, to: 6, direction: 'out', dryRun: false });
    expect(memory.lastAction).toEqual({ atMs: NOW, direction: 'out', from: 2, to: 6 });
    expect(memory.settledSinceMs).toBeUndefined();
    expect(decision.inputs).toMatchObject({ current: 2, capPartitions: 12, scalableLag: 12_000, capacityPerTask: 200 });
    expect(decision.inputs.drainSecondsRecommended).toBeLessThanOrEqual(300);
  });

  it('dry run decides the same but starts no cooldown', () => {
    const { decision, memory } = decideScaling(
      input(observation(2, [busy({ scalableLag: 12_000, maxPartitionLag: 1000 })]), known(), config({ dryRun: true })),
      NOW,
    );
    expect(decision).toMatchObject({ kind: 'scale', to: 6, dryRun: true });
    expect(memory.lastAction).toBeUndefined();
  });

  it('no-data leaves memory untouched', () => {
    const before = known({ recommendations: [{ atMs: NOW - 10 * SEC, tasks: 3 }] });
    const { memory } = decideScaling(input(observation(3, [busy()], { group: { freshness: 'missing' } }), before), NOW);
    expect(memory).toBe(before);
  });

  it('remembers capacity only from saturated members over a settled window', () => {
    const saturated = observation(4, [
      busy({ scalableLag: 100_000, saturatedRatePerTask: 250, fastestMemberRate: 260 }),
    ]);
    const learnt = decideScaling(input(saturated, settledMemory(NOW)), NOW).memory;
    expect(learnt.capacityPerTask).toEqual({ orders: 250 });
    expect(learnt.capacitySamples).toEqual({ orders: [{ atMs: NOW, perSecond: 250 }] });
    // Settled 10 s ago: a rebalance pause may be inside the 60 s window, so nothing is learnt.
    const justSettled = { ...emptyPolicyMemory, settledSinceMs: NOW - 10 * SEC };
    expect(decideScaling(input(saturated, justSettled), NOW).memory.capacityPerTask).toEqual({});
    // Caught up: nobody saturated and the fastest member (50) below the estimate: the estimate stays.
    const caughtUp = observation(4, [busy({ scalableLag: 10, fastestMemberRate: 50 })]);
    expect(decideScaling(input(caughtUp, known()), NOW).memory.capacityPerTask).toEqual({ orders: 200 });
    // The fastest member above the estimate: a task did at least that much, a sample (median of 200, 300).
    const faster = observation(4, [busy({ scalableLag: 10, fastestMemberRate: 300 })]);
    expect(decideScaling(input(faster, known()), NOW).memory.capacityPerTask).toEqual({ orders: 250 });
  });

  it.each<{ name: string; floor: PolicyMemory['capacityFloor']; kind: 'scale' | 'hold'; rule: PolicyRule; to: number }>(
    [
      {
        name: 'a capacity floor seen an hour ago lets the fallback scale in (200 msg/s per task: 1 task for 100)',
        floor: { orders: { atMs: NOW - 3600 * SEC, perSecond: 200 } },
        kind: 'scale',
        rule: 'lag-threshold',
        to: 1,
      },
      {
        name: 'without a floor the fallback never scales in',
        floor: {},
        kind: 'hold',
        rule: 'at-target',
        to: 6,
      },
      {
        name: 'a floor older than a day is no evidence any more',
        floor: { orders: { atMs: NOW - 25 * 3600 * SEC, perSecond: 200 } },
        kind: 'hold',
        rule: 'at-target',
        to: 6,
      },
    ],
  )('$name', ({ floor, kind, rule, to }) => {
    // No capacity known; 100 msg/s, nothing behind; the window has wanted 1 task for a while.
    const quiet = observation(6, [topic({ productionRate: 100, consumptionRate: 100 })]);
    const memory = settledMemory(NOW, {
      capacityFloor: floor,
      recommendations: [{ atMs: NOW - 700 * SEC, tasks: 1 }],
    });
    const { decision } = decideScaling(input(quiet, memory), NOW);
    expect({ kind: decision.kind, rule: decision.rule }).toEqual({ kind, rule });
    expect(decision.kind === 'scale' ? decision.to : decision.recommended).toBe(to);
  });

  describe('falling behind with maxTasks 4 on 12 partitions', () => {
    // The capacity remembered (1000 msg/s per task) says 2 tasks would do, but the group consumes 500 of
    // the 1000 msg/s produced with 100 000 waiting: it is falling behind, whatever the estimate says.
    const memory = sampledCapacity({ orders: [1000] }, { recommendations: [{ atMs: NOW - 700 * SEC, tasks: 1 }] });
    const falling = busy({ productionRate: 1000, consumptionRate: 500, scalableLag: 100_000, maxPartitionLag: 8334 });
    it.each<{ name: string; current: number; kind: 'scale' | 'hold'; direction?: 'out' | 'in'; to: number }>([
      {
        name: 'below the upper bound: one useful step more (3 -> 4)',
        current: 3,
        kind: 'scale',
        direction: 'out',
        to: 4,
      },
      // No step out is left; scaling in a group that is already short would make it fall behind faster.
      { name: 'at the upper bound: held, not scaled in to what the estimate says', current: 4, kind: 'hold', to: 4 },
    ])('$name', ({ current, kind, direction, to }) => {
      const { decision } = decideScaling(input(observation(current, [falling]), memory, config({ maxTasks: 4 })), NOW);
      expect({ kind: decision.kind, direction: decision.kind === 'scale' ? decision.direction : undefined }).toEqual({
        kind,
        direction,
      });
      expect(decision.kind === 'scale' ? decision.to : current).toBe(to);
    });
  });

  it('a hot partition makes the busiest member heavier than an even share', () => {
    // 12 partitions, 900 msg/s, partition 0 has 318 msg/s. Even spread: 3 tasks (225 msg/s each) would do;
    // the member holding partition 0 needs it nearly alone: 318 + (k-1) x 53 <= 0.95 x 400 -> k = 2 -> 6 tasks.
    const hot = busy({ productionRate: 900, maxPartitionProductionRate: 318, consumptionRatePerTask: 400 });
    const { decision } = decideScaling(input(observation(2, [hot]), known({ capacityPerTask: { orders: 400 } })), NOW);
    expect(decision).toMatchObject({ kind: 'scale', to: 6 });
    const even = busy({ productionRate: 900, maxPartitionProductionRate: 75, consumptionRatePerTask: 400 });
    expect(
      decideScaling(input(observation(2, [even]), known({ capacityPerTask: { orders: 400 } })), NOW).decision,
    ).toMatchObject({
      kind: 'scale',
      to: 3,
    });
  });

  it('settle wait start is kept across ticks and cleared when settled', () => {
    const light = [busy({ productionRate: 100 })];
    const first = decideScaling(
      input(observation(2, light, { group: { state: 'CompletingRebalance' } }), known()),
      NOW,
    );
    expect(first.memory.settleWaitStartMs).toBe(NOW);
    const second = decideScaling(
      input(observation(2, light, { group: { state: 'CompletingRebalance' } }), first.memory),
      NOW + 60 * SEC,
    );
    expect(second.memory.settleWaitStartMs).toBe(NOW);
    const third = decideScaling(input(observation(2, light), second.memory), NOW + 120 * SEC);
    expect(third.memory.settleWaitStartMs).toBeUndefined();
    expect(third.memory.settledSinceMs).toBe(NOW + 120 * SEC);
  });

  it('multi-topic: the cap is the largest topic and each topic sizes its own busiest member', () => {
    const topics = [
      busy({ topic: 'a', partitions: 4, productionRate: 10, scalableLag: 0 }),
      busy({ topic: 'b', partitions: 16, productionRate: 2000, scalableLag: 0, consumptionRatePerTask: 300 }),
    ];
    const { decision } = decideScaling(
      input(observation(2, topics), settledMemory(NOW, { capacityPerTask: { a: 200, b: 300 } })),
      NOW,
    );
    // b: busiest share ceil(16/n)/16 x 2000 <= 0.95 x 300 -> ceil(16/n) <= 2.28 -> n = 8.
    expect(decision).toMatchObject({ kind: 'scale', to: 8 });
    expect(decision.inputs.capPartitions).toBe(16);
  });
});

describe('decideScaling: consumer-protocol (KIP-848) groups', () => {
  const lagging = [busy({ scalableLag: 12_000, maxPartitionLag: 1000 })];
  const kip848 = (reconciled: boolean, state: 'Stable' | 'Reconciling' = 'Stable') =>
    observation(2, lagging, { group: { protocol: 'consumer', reconciled, state } });

  it.each<[string, ReturnType<typeof observation>, 'scale' | 'hold', PolicyRule]>([
    ['settled: Stable, members = tasks, every member reconciled', kip848(true), 'scale', 'drain-target'],
    ['members still moving to the target assignment', kip848(false, 'Reconciling'), 'hold', 'settling'],
    ['Stable but a member is behind the assignment epoch', kip848(false), 'hold', 'settling'],
  ])('%s', (_name, obs, kind, rule) => {
    const { decision } = decideScaling(input(obs, known()), NOW);
    expect({ kind: decision.kind, rule: decision.rule }).toEqual({ kind, rule });
  });

  it('weighs the consumer protocol’s own pause, not the classic one', () => {
    const cfg = config({ rebalancePauseSeconds: 30, consumerProtocolRebalancePauseSeconds: 0 });
    const classic = decideScaling(input(observation(2, lagging), known(), cfg), NOW).decision;
    const consumer = decideScaling(input(kip848(true), known(), cfg), NOW).decision;
    expect(classic.inputs.drainSecondsRecommended).toBeGreaterThan((consumer.inputs.drainSecondsRecommended ?? 0) + 29);
  });
});

describe('peer cases (Burrow evaluator, KEDA scaler)', () => {
  const service = (tasks: number): ServiceObservation => ({
    desired: tasks,
    running: tasks,
    pending: 0,
    deploymentSteady: true,
  });

  // (a) Burrow's evaluator: the partition rule is in lag/health.test.ts ("rewind the consumer already
  // recovered from: not REWIND"); here the same history through the lag engine, for the whole group.
  it.each([
    { name: 'a rewind the consumer already read past: not REWIND, the group OK', newest: 60n, rewind: 0, status: 'OK' },
    { name: 'a rewind still below where it was: REWIND, the group ERR', newest: 40n, rewind: 1, status: 'ERR' },
  ])('(a) Burrow: $name', ({ newest, rewind, status }) => {
    const commits = [50n, 20n, newest];
    const ends = [100n, 100n, 110n];
    const snapshots = ticks(3, (i) => ({
      partitions: [
        part(0, { committed: commits[i], end: ends[i] }),
        part(1, { committed: 1000n + BigInt(i) * 10n, end: 1005n + BigInt(i) * 10n }),
      ],
      members: [member('pharmacy-a', { [TOPIC]: [0, 1] })],
    }));
    const { health } = measureSnapshots(snapshots).lag;
    expect(health.counts.REWIND).toBe(rewind);
    expect(health.status).toBe(status);
  });

  // (b) KEDA scaler: a group that never committed, reading from `latest`, scaled to zero: its lag reads 0
  // however much is produced, and waiting for lag above activationLag would wait forever.
  it.each([
    {
      name: '300 msg/s produced: started (activation)',
      perPartitionPerTick: 1000n,
      kind: 'scale',
      rule: 'activation',
      to: 1,
    },
    { name: 'nothing produced: stays at zero', perPartitionPerTick: 0n, kind: 'hold', rule: 'at-target', to: 0 },
  ])(
    '(b) KEDA: never committed, latest, scaleToZero, lag 0 at 0 tasks; $name',
    ({ perPartitionPerTick, kind, rule, to }) => {
      const snapshots = ticks(7, (i) => ({
        state: 'Empty',
        partitions: [0, 1, 2].map((p) => part(p, { end: 5000n + BigInt(i) * perPartitionPerTick })),
      }));
      const measured = measureSnapshots(snapshots, { offsetResetPolicy: 'latest', rateWindowMs: 60_000 });
      const now = measured.lag.observedAtMs;
      const observed = observe(measured, service(0), now);
      expect(observed.topics[0]).toMatchObject({ scalableLag: 0, partitionsWithoutCommit: 3 });
      const { decision } = decideScaling(input(observed, emptyPolicyMemory, config({ scaleToZero: true })), now);
      expect({ kind: decision.kind, rule: decision.rule }).toEqual({ kind, rule });
      expect(decision.kind === 'scale' ? decision.to : decision.recommended).toBe(to);
    },
  );

  // (c) KEDA scaler: with allowIdleConsumers the partition cap is off, and ceil(lag / threshold) past the
  // partitions used to become maxTasks: a group activated from 0 to 64 for 10 messages.
  it('(c) KEDA: allowIdleConsumers + scaleToZero, lag 10 on 3 partitions, threshold 1: activation to 3, never maxTasks', () => {
    const cfg = config({ allowIdleConsumers: true, scaleToZero: true, lagPerTaskThreshold: 1 });
    const stopped = observation(0, [topic({ partitions: 3, scalableLag: 10, maxPartitionLag: 4 })]);
    const { decision } = decideScaling(input(stopped, emptyPolicyMemory, cfg), NOW);
    expect(decision).toMatchObject({ kind: 'scale', from: 0, to: 3, rule: 'activation' });
    expect(decision.inputs.upper).toBe(64);
  });

  // (d) Burrow's evaluator: offsets all equal while lagging is STALL, whether or not producers write.
  it('(d) Burrow: a member that never commits on a partition with a backlog, the end not moving: STALL, no task kept for it', () => {
    // pharmacy-a holds p0: 1 000 000 waiting at offset 400, nothing produced, no commit ever. pharmacy-b
    // holds p1: 10 msg/s, 20 behind. Counted, p0's backlog would keep both tasks (no count drains it).
    const snapshots = ticks(7, (i) => ({
      partitions: [
        part(0, { committed: 400n, end: 1_000_400n }),
        part(1, { committed: 1000n + BigInt(i) * 100n, end: 1020n + BigInt(i) * 100n }),
      ],
      members: [member('pharmacy-a', { [TOPIC]: [0] }), member('pharmacy-b', { [TOPIC]: [1] })],
    }));
    const measured = measureSnapshots(snapshots, { rateWindowMs: 60_000 });
    expect(measured.lag.health.partitions.map((p) => p.status)).toEqual(['STALL', 'OK']);
    const now = measured.lag.observedAtMs;
    const memory = sampledCapacity({ [TOPIC]: [100] }, { recommendations: [{ atMs: now - 700 * SEC, tasks: 1 }] }, now);
    const { decision } = decideScaling(input(observe(measured, service(2), now), memory), now);
    expect(decision).toMatchObject({ kind: 'scale', from: 2, to: 1, direction: 'in' });
    expect(decision.inputs).toMatchObject({ scalableLag: 20, excludedLag: 1_000_000 });
  });
});
