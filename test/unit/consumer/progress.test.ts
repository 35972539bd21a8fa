import { describe, expect, it } from 'vitest';
import { ProgressTracker, isHealthy } from '../../../consumer/progress';

describe('ProgressTracker', () => {
  it('reports processed count, rate per window, partitions and the last commit', () => {
    let now = 1_000_000;
    const tracker = new ProgressTracker(() => now);
    tracker.assigned([
      { topic: 'patient-checkout', partition: 0 },
      { topic: 'patient-checkout', partition: 1 },
    ]);
    for (let i = 0; i < 50; i += 1) tracker.recordProcessed();
    now += 2000;
    tracker.committed([{ topic: 'patient-checkout', partition: 0, offset: 50n }]);
    now += 500;
    const snapshot = tracker.snapshot(true);
    expect(snapshot).toMatchObject({
      state: 'running',
      processed: 50,
      recordsPerSecond: 20,
      partitions: ['patient-checkout:0', 'patient-checkout:1'],
      lastCommit: { ageMs: 500, offsets: { 'patient-checkout:0': '50' } },
    });
    now += 1000;
    expect(tracker.snapshot(true).recordsPerSecond).toBe(0);
  });

  it('forgets committed positions of partitions that moved to another member', () => {
    const tracker = new ProgressTracker(() => 0);
    tracker.assigned([
      { topic: 't', partition: 0 },
      { topic: 't', partition: 1 },
    ]);
    tracker.committed([
      { topic: 't', partition: 0, offset: 5n },
      { topic: 't', partition: 1, offset: 7n },
    ]);
    tracker.rebalancing();
    expect(tracker.snapshot(false).state).toBe('rebalancing');
    tracker.assigned([{ topic: 't', partition: 1 }]);
    expect(tracker.snapshot(false).lastCommit?.offsets).toEqual({ 't:1': '7' });
  });

  it.each([
    ['starting', true],
    ['running', true],
    ['rebalancing', true],
    ['stopping', false],
    ['stopped', false],
    ['failed', false],
  ] as const)('health of state %s is %s', (state, healthy) => {
    expect(isHealthy(state)).toBe(healthy);
  });
});
