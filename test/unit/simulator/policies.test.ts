import { describe, expect, it } from 'vitest';
import { defaultPolicyConfig } from '#domain/policy/index';
import {
  checkTargets,
  cloudRunPolicy,
  ecsTargetTrackingPolicy,
  htmlReport,
  kedaHpaPolicy,
  oursPolicy,
  simulate,
  type SimulationResult,
} from '#simulator/index';
import { clusterView, constantTrace } from '#support/builders/simulator';

const T0 = 1_800_000_000_000;
const bounds = { minTasks: 1, maxTasks: 100 };
const obs = (
  tasks: number,
  lag: number,
  partitions = 12,
  extra: { readonly members?: number; readonly freshness?: 'missing' } = {},
) => clusterView({ tasks, lag, partitions, members: extra.members, missing: extra.freshness === 'missing' });

describe('KEDA + HPA baseline', () => {
  const keda = kedaHpaPolicy({ ...bounds, lagThreshold: 1000 });
  it.each([
    ['within 10 % tolerance keeps the count', 4, 4200, 4],
    ['scale-up is immediate, limited to max(+4, +100 %) per step (9 -> 6)', 2, 9000, 6],
    ['scale-up to ceil(total / threshold)', 4, 6500, 7],
    ['total lag is capped at partitions x threshold (12 partitions)', 8, 1_000_000, 12],
  ])('%s', (_name, current, lag, expected) => {
    expect(keda.decide(obs(current, lag), keda.initialState, T0).desired).toBe(expected);
  });

  it('scales down only to the highest recommendation of the last 300 s', () => {
    let state = keda.initialState;
    state = keda.decide(obs(6, 6000), state, T0).state;
    const early = keda.decide(obs(6, 1000), state, T0 + 120_000);
    expect(early.desired).toBe(6);
    const late = keda.decide(obs(6, 1000), early.state, T0 + 301_000);
    expect(late.desired).toBe(1);
  });

  it('holds without metrics', () => {
    expect(keda.decide(obs(3, 50_000, 12, { freshness: 'missing' }), keda.initialState, T0).desired).toBe(3);
  });
});

describe('ECS target tracking baseline', () => {
  const ecs = ecsTargetTrackingPolicy({ ...bounds, lagPerTaskTarget: 1000 });
  it('needs 3 datapoints above target, then sets ceil(current x metric / target) with no partition cap', () => {
    let state = ecs.initialState;
    const desired: number[] = [];
    for (let minute = 0; minute < 3; minute += 1) {
      const step = ecs.decide(obs(4, 80_000, 12), state, T0 + minute * 60_000);
      desired.push(step.desired);
      state = step.state;
    }
    expect(desired).toEqual([4, 4, 80]);
  });

  it('scale-out cooldown 300 s, scale-in after 15 datapoints below 90 % of target', () => {
    let state = ecs.initialState;
    for (let minute = 0; minute < 3; minute += 1) state = ecs.decide(obs(2, 6000), state, T0 + minute * 60_000).state;
    expect(state.lastScaleOutMs).toBe(T0 + 120_000);
    let desired: number[] = [];
    for (let minute = 3; minute < 8; minute += 1) {
      const step = ecs.decide(obs(6, 30_000), state, T0 + minute * 60_000);
      desired.push(step.desired);
      state = step.state;
    }
    // Alarm high again from minute 5, but the cooldown holds until minute 7 (300 s after minute 2).
    expect(desired).toEqual([6, 6, 6, 6, 30]);
    desired = [];
    for (let minute = 8; minute < 30; minute += 1) {
      const step = ecs.decide(obs(30, 300), state, T0 + minute * 60_000);
      desired.push(step.desired);
      state = step.state;
    }
    expect(desired.indexOf(1)).toBe(14);
  });
});

describe('Cloud Run Kafka autoscaler baseline', () => {
  const cloudRun = cloudRunPolicy({ ...bounds, lagTarget: 10_000 });
  it('waits while members differ from the requested count', () => {
    const step = cloudRun.decide(obs(4, 90_000, 12, { members: 3 }), cloudRun.initialState, T0);
    expect(step).toMatchObject({ desired: 4, reason: 'waiting: 3 members != 4 requested' });
  });

  it('ceil(members x lag / target), capped at the largest topic, after the 300 s up-stabilization', () => {
    let state = cloudRun.initialState;
    state = cloudRun.decide(obs(2, 10_500), state, T0).state; // within tolerance: seeds the window with 2
    const early = cloudRun.decide(obs(2, 30_000), state, T0 + 60_000);
    expect(early.desired).toBe(2);
    const late = cloudRun.decide(obs(2, 30_000), early.state, T0 + 361_000);
    expect(late.desired).toBe(6); // ceil(2 x 30000 / 10000) = 6, within the rate limit max(2 x 2, 2 + 4)
    // Capped at the 12 partitions (ceil(8 x 100) = 800), once the startup recommendation left the window.
    const fresh = cloudRunPolicy({ ...bounds, lagTarget: 10_000 });
    const first = fresh.decide(obs(8, 1_000_000), fresh.initialState, T0);
    expect(first.desired).toBe(8);
    expect(fresh.decide(obs(8, 1_000_000), first.state, T0 + 301_000).desired).toBe(12);
  });
});

describe('ours through the simulator interface', () => {
  it('scales to zero when idle and back when lag returns (scaleToZero, activationLag)', () => {
    const rates = [
      ...Array.from({ length: 20 }, () => 600),
      ...Array.from({ length: 40 }, () => 0),
      ...Array.from({ length: 20 }, () => 600),
    ];
    const trace = constantTrace({ production: { orders: rates }, initialTasks: 3 });
    const policy = oursPolicy({ ...defaultPolicyConfig, scaleToZero: true, activationLag: 100, taskStartSeconds: 40 });
    const result = simulate(trace, policy);
    const toZero = result.scaleEvents.find((event) => event.to === 0);
    expect(toZero?.reason).toBe('scale:scale-to-zero');
    // Not before production has been idle for the whole stabilization window (300 s by default).
    expect(toZero?.second).toBeGreaterThan(20 * 60 + defaultPolicyConfig.scaleInStabilizationSeconds);
    const back = result.scaleEvents.find((event) => event.from === 0);
    expect(back?.reason).toBe('scale:activation');
    expect(back?.second).toBeGreaterThanOrEqual(60 * 60);
    expect(back?.second).toBeLessThan(60 * 60 + 120);
    expect(result.series.at(-1)?.tasks).toBeGreaterThan(0);
  });

  it('a dry run decides but never changes the count', () => {
    const policy = oursPolicy({ ...defaultPolicyConfig, dryRun: true });
    const result = simulate(constantTrace({ rate: 1000, minutes: 20, initialTasks: 1 }), policy);
    expect(result.scaleActions).toBe(0);
    expect(result.taskMinutes).toBeCloseTo(20);
  });
});

describe('report', () => {
  const result = (policy: string, over: number, rebalances: number, ratio: number): SimulationResult => ({
    trace: 'steady',
    policy,
    durationSeconds: 600,
    taskMinutes: ratio * 10,
    lowerBoundTaskMinutes: 10,
    ratioToLowerBound: ratio,
    minutesOverDrainTarget: over,
    maxTimeLagSeconds: 10,
    rebalances,
    scaleActions: rebalances,
    pausedPartitionSeconds: 0,
    series: [{ second: 0, lag: 5, stuckLag: 0, tasks: 2, timeLagSeconds: 1, neededTasks: 1.5 }],
    scaleEvents: [],
  });

  it.each([
    ['all pass', [result('ours', 0, 2, 1.1), result('keda', 0, 10, 1.0)], [true, true, true]],
    [
      'more minutes over target than a baseline',
      [result('ours', 2, 2, 1.1), result('keda', 1, 10, 1.0)],
      [false, true, true],
    ],
    [
      'more than half the KEDA rebalances',
      [result('ours', 0, 6, 1.1), result('keda', 0, 10, 1.0)],
      [true, false, true],
    ],
    ['above 1.25x the lower bound', [result('ours', 0, 2, 1.3), result('keda', 0, 10, 1.0)], [true, true, false]],
  ])('checkTargets: %s', (_name, results, expected) => {
    expect(checkTargets(results, ['steady']).map((check) => check.pass)).toEqual(expected);
  });

  it('htmlReport draws one inline SVG per run', () => {
    const html = htmlReport([[result('ours', 0, 2, 1.1), result('keda', 0, 10, 1.0)]], 'a <test>');
    expect(html.match(/<svg /g)).toHaveLength(2);
    expect(html).toContain('a &lt;test&gt;');
  });
});
