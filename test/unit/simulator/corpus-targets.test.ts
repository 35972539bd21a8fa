import { describe, expect, it } from 'vitest';
import {
  checkTrace,
  spreadOf,
  summarizeChecks,
  summarizeFamilies,
  traceFacts,
  type RunMetrics,
  type TraceCheck,
  type TraceFacts,
} from '#simulator/corpus-targets';
import { constantTrace } from '#support/builders/simulator';

/** One run's metrics; only what a row overrides differs from a quiet, cheap run. */
const run = (policy: string, overrides: Partial<RunMetrics> = {}): RunMetrics => ({
  policy,
  taskMinutes: 100,
  lowerBoundTaskMinutes: 80,
  minutesOverDrainTarget: 0,
  rebalances: 2,
  maxTimeLagSeconds: 60,
  scaleActions: 2,
  ...overrides,
});

const facts: TraceFacts = {
  durationMinutes: 60,
  partitions: 12,
  peakLoadTasks: 3,
  peakPartitionLoadTasks: 0.25,
  poisoned: false,
  poisonRecovers: false,
};

const check = (ours: Partial<RunMetrics>, keda: Partial<RunMetrics> = {}, others: Partial<RunMetrics> = {}) =>
  checkTrace({ trace: 't', family: 'f' }, facts, [
    run('ours', ours),
    run('keda', keda),
    run('ecs', others),
    run('cloudrun', others),
  ]);

describe('checkTrace', () => {
  it.each<[string, Partial<RunMetrics>, Partial<RunMetrics>, Partial<RunMetrics>, string]>([
    ['all quiet and equal (KEDA rebalances twice: not counted)', {}, {}, {}, 'PASS n/a PASS'],
    [
      'over target more than one baseline',
      { minutesOverDrainTarget: 3 },
      { minutesOverDrainTarget: 5 },
      { minutesOverDrainTarget: 2 },
      'MISS n/a PASS',
    ],
    [
      'over target no more than the best',
      { minutesOverDrainTarget: 2 },
      { minutesOverDrainTarget: 5 },
      { minutesOverDrainTarget: 2 },
      'PASS n/a PASS',
    ],
    ['KEDA rebalances 3 times: not counted', { rebalances: 3 }, { rebalances: 3 }, {}, 'PASS n/a PASS'],
    ['rebalances exactly half of KEDA', { rebalances: 5 }, { rebalances: 10 }, {}, 'PASS PASS PASS'],
    ['rebalances above half of KEDA', { rebalances: 6 }, { rebalances: 10 }, {}, 'PASS MISS PASS'],
    ['task-minutes 1.15x KEDA', { taskMinutes: 115 }, {}, {}, 'PASS n/a PASS'],
    ['task-minutes 1.16x KEDA', { taskMinutes: 116 }, {}, {}, 'PASS n/a MISS'],
  ])('%s', (_name, ours, keda, others, expected) => {
    const result = check(ours, keda, others);
    expect([result.overTarget.verdict, result.rebalances.verdict, result.taskMinutes.verdict].join(' ')).toBe(expected);
    expect(result.why.length).toBe(expected.split(' ').filter((verdict) => verdict === 'MISS').length);
  });

  it('names the best baseline and explains a miss with the numbers and the trace facts', () => {
    const result = checkTrace(
      { trace: 'hot', family: 'f' },
      { ...facts, peakPartitionLoadTasks: 1.8, peakLoadTasks: 14, partitions: 12, poisonRecovers: true },
      [
        run('ours', { minutesOverDrainTarget: 30, maxTimeLagSeconds: 2400, taskMinutes: 150 }),
        run('keda', { minutesOverDrainTarget: 40 }),
        run('ecs', { minutesOverDrainTarget: 25 }),
      ],
    );
    expect(result.overTarget).toEqual({ verdict: 'MISS', ours: 30, best: 25, bestPolicy: 'ecs' });
    expect(result.why).toEqual([
      "over target: ours 30.0 min vs ecs 25.0 min (ours' largest time lag 2400 s)",
      'one partition alone needs 1.80 tasks at its peak: no task count drains it',
      'a poisoned partition moves again with a backlog older than the drain target: one task drains it, over target for every policy',
      "peak load 14.0 tasks is above the 12 partitions' worth",
      'task-minutes: ours 150 = 1.50x KEDA+HPA 100; lower bound 80 (ours 1.88x, KEDA 1.25x)',
    ]);
  });

  it('needs ours and KEDA+HPA', () => {
    expect(() => checkTrace({ trace: 't', family: 'f' }, facts, [run('ours')])).toThrow(
      /the targets need ours and keda/,
    );
  });
});

describe('spreadOf', () => {
  it.each([
    [[], undefined],
    [[3], { median: 3, worst: 3 }],
    [[4, 1, 3], { median: 3, worst: 4 }],
    [[4, 1, 3, 2], { median: 2.5, worst: 4 }],
  ])('%j', (values, expected) => {
    expect(spreadOf(values)).toEqual(expected);
  });
});

describe('summaries', () => {
  const checks: TraceCheck[] = [
    { ...check({ taskMinutes: 90 }, { rebalances: 10 }), trace: 'a1', family: 'a' },
    { ...check({ taskMinutes: 120, rebalances: 6 }, { rebalances: 10 }), trace: 'a2', family: 'a' },
    { ...check({ taskMinutes: 100 }, { rebalances: 1 }), trace: 'a3', family: 'a' },
    { ...check({ taskMinutes: 130, minutesOverDrainTarget: 4 }), trace: 'b1', family: 'b' },
  ];

  it('per family: median and worst, verdict counts, the median target', () => {
    const [a] = summarizeFamilies(checks);
    expect(a).toMatchObject({
      family: 'a',
      traces: 3,
      taskMinutesRatio: { median: 1, worst: 1.2 },
      overTargetDifference: { median: 0, worst: 0 },
      rebalanceRatio: { median: 0.4, worst: 0.6 },
      overTarget: { pass: 3, miss: 0, notApplicable: 0 },
      rebalances: { pass: 1, miss: 1, notApplicable: 1 },
      taskMinutes: { pass: 2, miss: 1, notApplicable: 0 },
      medianTaskMinutes: 'PASS',
    });
  });

  it('families in order of appearance, then all', () => {
    const summaries = summarizeFamilies(checks);
    expect(summaries.map((summary) => [summary.family, summary.traces, summary.medianTaskMinutes])).toEqual([
      ['a', 3, 'PASS'],
      ['b', 1, 'MISS'],
      ['all', 4, 'MISS'],
    ]);
    expect(summarizeChecks('b', checks.slice(3)).overTargetDifference).toEqual({ median: 4, worst: 4 });
    expect(summarizeChecks('none', [checks[2] as TraceCheck]).rebalanceRatio).toBeUndefined();
  });
});

describe('traceFacts', () => {
  it('peak loads in tasks, the hottest partition over every skew change, the cap, poison', () => {
    const trace = constantTrace({
      minutes: 3,
      production: { orders: [1000, 600, 400] },
      topics: [
        {
          name: 'orders',
          partitions: 4,
          weights: [1, 1, 1, 1],
          initialLagPerPartition: 0,
          skew: [{ fromSecond: 60, weights: [5, 1, 1, 1] }],
        },
      ],
      poisoned: [{ topic: 'orders', partition: 2, fromSecond: 10, untilSecond: 100 }],
    });
    // Throughput 200/s: peak 1000 msg/s = 5 tasks (even: 250 msg/s each); from second 60, 5/8 of 600 = 375 msg/s.
    expect(traceFacts(trace)).toEqual({
      durationMinutes: 3,
      partitions: 4,
      peakLoadTasks: 5,
      peakPartitionLoadTasks: 1.875,
      poisoned: true,
      poisonRecovers: true,
    });
  });
});
