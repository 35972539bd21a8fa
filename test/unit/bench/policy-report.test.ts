import { describe, expect, it } from 'vitest';
import { checkTrace, summarizeFamilies, type RunMetrics, type TraceFacts } from '#simulator/index';
import { csvOf, familyTable, missList, traceTable, verdictLine } from '../../../bench/policy-report';
import type { JobOutcome } from '../../../bench/policy-jobs';

const facts: TraceFacts = {
  durationMinutes: 60,
  partitions: 6,
  peakLoadTasks: 2,
  peakPartitionLoadTasks: 0.4,
  poisoned: false,
  poisonRecovers: false,
};
const run = (policy: string, taskMinutes: number, rebalances: number): RunMetrics => ({
  policy,
  taskMinutes,
  lowerBoundTaskMinutes: 90,
  minutesOverDrainTarget: 0,
  rebalances,
  maxTimeLagSeconds: 30,
  scaleActions: rebalances,
});
const outcome = (trace: string, ours: number): JobOutcome => {
  const runs = [run('ours', ours, 2), run('keda', 100, 10), run('ecs', 150, 6), run('cloudrun', 120, 8)];
  return {
    id: 0,
    model: 'default',
    check: checkTrace({ trace, family: 'ramp' }, facts, runs),
    runs,
    results: undefined,
    milliseconds: 5,
  };
};
const outcomes = [outcome('ramp-1', 110), outcome('ramp-2', 130)];
const checks = outcomes.map((item) => item.check);

describe('bench:policy report', () => {
  it('one row per trace with the numbers and verdicts', () => {
    const text = traceTable(checks);
    expect(text).toMatch(
      /│ ramp-1 +│ 0\.0 \/ 0\.0 \(keda\) +│ PASS +│ 2 \/ 10 +│ PASS +│ 110 \/ 100 = 1\.10x +│ PASS +│/,
    );
    expect(text).toMatch(/│ ramp-2 .*│ 130 \/ 100 = 1\.30x +│ MISS +│/);
  });

  it('per family and all: medians, worst, counts, the median target', () => {
    const summaries = summarizeFamilies(checks);
    expect(familyTable(summaries)).toMatch(
      /│ ramp +│ 2 +│ 1\.20x \/ 1\.30x +│ 0\.0 \/ 0\.0 +│ 0\.20x \/ 0\.20x +│ 2 PASS, 0 MISS +│ 2 PASS, 0 MISS +│ 1 PASS, 1 MISS +│ MISS \(1\.20x\) +│/,
    );
    expect(verdictLine(summaries[1] ?? summaries[0] ?? ({} as never))).toBe(
      'over target <= every baseline: 2 PASS, 0 MISS; rebalances <= 0.5x KEDA: 2 PASS, 0 MISS; task-min <= 1.15x KEDA: 1 PASS, 1 MISS; median task-min <= 1x KEDA: MISS (1.20x)',
    );
  });

  it('lists each miss with its reason and how to look at it', () => {
    expect(missList(checks, (trace) => `simulate ${trace}`)).toBe(
      'ramp-2:  (simulate ramp-2)\n    task-minutes: ours 130 = 1.30x KEDA+HPA 100; lower bound 90 (ours 1.44x, KEDA 1.11x)',
    );
    expect(missList(checks.slice(0, 1), () => '')).toBe('no MISS');
  });

  it('CSV: a header, then one row per trace with every policy and verdict', () => {
    const [head, first, ...rest] = csvOf(outcomes).trim().split('\n');
    expect(head?.split(',').slice(0, 9)).toEqual([
      'model',
      'trace',
      'family',
      'partitions',
      'durationMinutes',
      'peakLoadTasks',
      'peakPartitionLoadTasks',
      'lowerBoundTaskMinutes',
      'ours.taskMinutes',
    ]);
    expect(head?.split(',').slice(-3)).toEqual(['overTarget', 'rebalances', 'taskMinutes']);
    expect(first?.split(',').slice(0, 2)).toEqual(['default', 'ramp-1']);
    expect(first?.split(',').length).toBe(head?.split(',').length);
    expect(rest.length).toBe(1);
  });
});
