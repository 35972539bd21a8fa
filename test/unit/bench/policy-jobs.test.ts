import { describe, expect, it } from 'vitest';
import { defaultSimulationOptions } from '#simulator/index';
import { constantTrace } from '#support/builders/simulator';
import { runJobs, type BenchJob, type JobOutcome } from '../../../bench/policy-jobs';

const jobs: BenchJob[] = [10, 30, 20].map((minutes, id) => ({
  id,
  trace: constantTrace({ name: `t${id}`, minutes, rate: 300 + 100 * id }),
  family: 'f',
  model: 'default',
  options: defaultSimulationOptions,
  keepResults: id === 0,
}));

const withoutTimes = (outcomes: readonly JobOutcome[]) => outcomes.map(({ milliseconds: _ms, ...rest }) => rest);

describe('runJobs', () => {
  it('worker threads give the same outcomes as this thread, in the jobs order', async () => {
    const progress: number[] = [];
    const inline = await runJobs(jobs, 1, (done) => progress.push(done));
    const threaded = await runJobs(jobs, 2);
    expect(withoutTimes(threaded)).toEqual(withoutTimes(inline));
    expect(inline.map((outcome) => outcome.check.trace)).toEqual(['t0', 't1', 't2']);
    expect(progress).toEqual([1, 2, 3]);
  }, 30_000);

  it('keeps the full results only when asked (for the charts)', async () => {
    const [first, second] = await runJobs(jobs.slice(0, 2), 1);
    expect(first?.results?.map((result) => result.policy)).toEqual(['ours', 'keda', 'ecs', 'cloudrun']);
    expect(second?.results).toBeUndefined();
    expect(second?.runs.map((run) => Object.keys(run).sort())[0]).toEqual([
      'lowerBoundTaskMinutes',
      'maxTimeLagSeconds',
      'minutesOverDrainTarget',
      'policy',
      'rebalances',
      'scaleActions',
      'taskMinutes',
    ]);
  });
});
