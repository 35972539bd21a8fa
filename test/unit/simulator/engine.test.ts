import { describe, expect, it } from 'vitest';
import { emptyOffsetHistory } from '#domain/lag/history';
import { runTargetPipeline } from '#domain/pipeline';
import { defaultPolicyConfig, emptyPolicyMemory, type PolicyObservation } from '#domain/policy/index';
import type { ClusterView } from '#simulator/observe';
import {
  assignPartitions,
  defaultSimulationOptions,
  simulate,
  stickyAssignment,
  type SimulationOptions,
} from '#simulator/index';
import { summarize } from '#simulator/engine';
import { constantTrace, scriptedPolicy, simState } from '#support/builders/simulator';

const options: SimulationOptions = { ...defaultSimulationOptions, rebalancePauseSeconds: 5, taskStartSeconds: 40 };

describe('assignPartitions', () => {
  const twoTopics = [0, 0, 0, 1, 1, 1].map((topicIndex) => ({ topicIndex }));
  it.each([
    [
      'range',
      [
        [0, 1, 3, 4],
        [2, 5],
      ],
    ],
    [
      'roundrobin',
      [
        [0, 2, 4],
        [1, 3, 5],
      ],
    ],
  ] as const)('%s on 2 topics x 3 partitions over 2 members', (assignor, expected) => {
    const assignment = assignPartitions(twoTopics, [7, 9], assignor);
    expect([assignment.get(7), assignment.get(9)]).toEqual(expected);
  });

  it('range: 12 partitions on 5 members, the busiest holds ceil(12/5) = 3', () => {
    const assignment = assignPartitions(
      Array.from({ length: 12 }, () => ({ topicIndex: 0 })),
      [1, 2, 3, 4, 5],
      'range',
    );
    expect([...assignment.values()].map((list) => list.length)).toEqual([3, 3, 2, 2, 2]);
  });
});

describe('stickyAssignment (cooperative-sticky)', () => {
  it('keeps partitions in place and moves only what balance needs', () => {
    const before = new Map([
      [1, [0, 1, 2]],
      [2, [3, 4, 5]],
    ]);
    const after = stickyAssignment(6, before, [1, 2, 3]);
    expect(after.get(1)?.slice(0, 2)).toEqual([0, 1]);
    expect(after.get(2)?.slice(0, 2)).toEqual([3, 4]);
    expect(after.get(3)).toEqual([2, 5]);
  });

  it('a leaving member hands its partitions to the others', () => {
    const after = stickyAssignment(
      6,
      new Map([
        [1, [0, 1]],
        [2, [2, 3]],
        [3, [4, 5]],
      ]),
      [1, 2],
    );
    expect(after).toEqual(
      new Map([
        [1, [0, 1, 4]],
        [2, [2, 3, 5]],
      ]),
    );
  });

  it('in the simulator, a scale-out pauses only the moved partitions', () => {
    const trace = constantTrace({ rate: 300, minutes: 10 });
    const eager = simulate(trace, scriptedPolicy([[60, 3]]), options);
    const cooperative = simulate(trace, scriptedPolicy([[60, 3]]), { ...options, assignor: 'cooperative-sticky' });
    expect(eager.pausedPartitionSeconds).toBe(6 * 5);
    expect(cooperative.pausedPartitionSeconds).toBe(2 * 5);
    expect(cooperative.rebalances).toBe(1);
  });
});

describe('simulate', () => {
  it('a holding policy: constant tasks, no rebalance, task-minutes and the lower bound add up', () => {
    const result = simulate(constantTrace({ rate: 300, minutes: 30, initialTasks: 2 }), scriptedPolicy([]), options);
    expect(result.rebalances).toBe(0);
    expect(result.taskMinutes).toBeCloseTo(60);
    // 300 msg/s / 200 msg/s per task = 1.5 tasks for 30 minutes.
    expect(result.lowerBoundTaskMinutes).toBeCloseTo(45);
    expect(result.ratioToLowerBound).toBeCloseTo(60 / 45);
    expect(result.minutesOverDrainTarget).toBe(0);
    expect(result.maxTimeLagSeconds).toBeLessThanOrEqual(2);
  });

  it('is deterministic', () => {
    const trace = constantTrace({ rate: 500 });
    const policy = scriptedPolicy([
      [300, 4],
      [900, 2],
    ]);
    expect(simulate(trace, policy, options)).toEqual(simulate(trace, policy, options));
  });

  it('scale-out: tasks are billed from the request, join after the start delay, and pause the whole group once', () => {
    const seen: ClusterView[] = [];
    const result = simulate(constantTrace({ rate: 300, minutes: 10 }), scriptedPolicy([[60, 4]], seen, 1), options);
    expect(result.rebalances).toBe(1);
    expect(result.pausedPartitionSeconds).toBe(6 * 5);
    expect(result.scaleEvents).toEqual([{ second: 60, from: 2, to: 4, reason: 'script' }]);
    // Two extra tasks from second 60 to the end on top of two for 600 s.
    expect(result.taskMinutes).toBeCloseTo((2 * 600 + 2 * 540) / 60, 0);
    const pending = seen.find((obs) => obs.service.pending === 2);
    expect(pending?.service).toMatchObject({ desired: 4, running: 2, deploymentSteady: false });
    expect(seen.some((view) => groupOf(view)?.state === 'PreparingRebalance' && groupOf(view)?.members === 4)).toBe(
      true,
    );
    expect(groupOf(seen.at(-1))).toMatchObject({ state: 'Stable', members: 4 });
  });

  it('scale-in: cancels tasks still starting without a rebalance, stops members gracefully with one', () => {
    const cancel = simulate(
      constantTrace({ rate: 100, minutes: 5 }),
      scriptedPolicy([
        [10, 4],
        [20, 2],
      ]),
      options,
    );
    expect(cancel.rebalances).toBe(0);
    const stop = simulate(
      constantTrace({ rate: 100, minutes: 5, initialTasks: 3 }),
      scriptedPolicy([[10, 1]]),
      options,
    );
    expect(stop.rebalances).toBe(1);
  });

  it('a rebalance pause stops consumption: lag builds for the pause and drains after', () => {
    const result = simulate(constantTrace({ rate: 300, minutes: 5, initialTasks: 6 }), scriptedPolicy([[60, 5]]), {
      ...options,
      rebalancePauseSeconds: 30,
      seriesEverySeconds: 1,
    });
    const peak = Math.max(...result.series.map((point) => point.lag));
    expect(peak).toBeGreaterThan(300 * 25);
    expect(result.series.at(-1)?.lag ?? Infinity).toBeLessThan(1000);
  });

  it('the tick pipeline measures rates from the simulated offsets: production, consumption, hottest partition', () => {
    const seen: ClusterView[] = [];
    const trace = constantTrace({
      rate: 1200,
      minutes: 5,
      initialTasks: 2,
      topics: [{ name: 'orders', partitions: 6, weights: [4, 1, 1, 1, 1, 1], initialLagPerPartition: 0 }],
    });
    simulate(trace, scriptedPolicy([], seen, 60), options);
    const topic = replay(seen).topics[0];
    expect(topic?.productionRate).toBeCloseTo(1200, -1);
    // Both members have a backlog: each consumes its 200 msg/s.
    expect(topic?.consumptionRatePerTask).toBeCloseTo(200, -1);
    expect(topic?.scalableLag).toBeGreaterThan(0);
  });

  it('the lag engine marks a poisoned partition STALL and its lag moves to excludedLag', () => {
    const seen: ClusterView[] = [];
    const trace = constantTrace({
      rate: 300,
      minutes: 10,
      poisoned: [{ topic: 'orders', partition: 2, fromSecond: 60 }],
    });
    const result = simulate(trace, scriptedPolicy([], seen, 30), options);
    const last = replay(seen).topics[0];
    expect(last?.excludedLag).toBeGreaterThan(20_000);
    expect(last?.scalableLag).toBeLessThan(500);
    // Minutes over target count only drainable partitions.
    expect(result.minutesOverDrainTarget).toBe(0);
    expect(result.lowerBoundTaskMinutes).toBeCloseTo((300 / 200) * 1 + (250 / 200) * 9, 0);
    expect(result.series.at(-1)?.stuckLag).toBeGreaterThan(20_000);
  });

  it('data gaps reach the pipeline as a missing read and unreadable partitions', () => {
    const seen: ClusterView[] = [];
    const trace = constantTrace({
      minutes: 5,
      dataGaps: [
        { fromSecond: 60, untilSecond: 120, freshness: 'missing' },
        { fromSecond: 120, untilSecond: 180, freshness: 'partial' },
      ],
    });
    simulate(trace, scriptedPolicy([], seen, 30), options);
    const freshness = seen.map((view) => replay([view]).group.freshness);
    expect(freshness).toContain('missing');
    expect(freshness).toContain('partial');
    expect(freshness.at(-1)).toBe('complete');
  });
});

describe('summarize', () => {
  it('turns the totals into minutes; no needed work gives an infinite ratio', () => {
    const state = simState({ minutes: 2 }, { drainTargetSeconds: 120 });
    Object.assign(state.totals, { taskSeconds: 240, lowerBoundTaskSeconds: 0, overTargetSeconds: 90, rebalances: 2 });
    expect(summarize(state)).toMatchObject({
      durationSeconds: 120,
      taskMinutes: 4,
      lowerBoundTaskMinutes: 0,
      ratioToLowerBound: Infinity,
      minutesOverDrainTarget: 1.5,
      drainTargetSeconds: 120,
      rebalances: 2,
      scaleActions: 0,
    });
  });
});

/** The group's state and member count in a view's read. */
function groupOf(view: ClusterView | undefined): { state: string; members: number } | undefined {
  const snapshot = view?.read?.kind === 'ok' ? view.read.snapshot : undefined;
  return snapshot === undefined ? undefined : { state: snapshot.state, members: snapshot.members.length };
}

/** Runs the tick's pipeline over the views in order (history carried along); the last observation. */
function replay(views: readonly ClusterView[]): PolicyObservation {
  let history = emptyOffsetHistory;
  let memory = emptyPolicyMemory;
  let last: PolicyObservation | undefined;
  for (const view of views) {
    const step = runTargetPipeline({
      read: view.read,
      history,
      offsetResetPolicy: 'latest',
      service: view.service,
      memory,
      config: defaultPolicyConfig,
      now: view.nowMs,
    });
    history = step.nextHistory ?? history;
    memory = step.memory;
    last = step.observation;
  }
  if (last === undefined) throw new Error('replay needs at least one view');
  return last;
}
