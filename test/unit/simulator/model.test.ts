import { describe, expect, it } from 'vitest';
import { defaultSimulationOptions } from '#simulator/model';

describe('defaultSimulationOptions', () => {
  it('are the calibrated model: 1 s rebalance pause, 40 s task start, range assignor, 300 s drain target', () => {
    expect(defaultSimulationOptions).toMatchObject({
      rebalancePauseSeconds: 1,
      taskStartSeconds: 40,
      assignor: 'range',
      drainTargetSeconds: 300,
      rateWindowSeconds: 60,
      seriesEverySeconds: 30,
    });
  });

  it('second 0 is 2026-01-01T00:00:00Z', () => {
    expect(new Date(defaultSimulationOptions.startEpochMs).toISOString()).toBe('2026-01-01T00:00:00.000Z');
  });
});
