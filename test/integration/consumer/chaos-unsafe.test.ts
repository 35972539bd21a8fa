import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CpuPressure } from './cpu-pressure';
import { runChaos, tally } from './fleet';
import { setUpScenario, startFleet, tearDown, waitCaughtUp, type Scenario } from './scenario';

const partitions = 6;
const records = 3000;
const batchSize = 100;

describe('UNSAFE commit-before-process under chaos and CPU pressure', () => {
  let pressure: CpuPressure;
  beforeAll(() => {
    pressure = CpuPressure.start();
  });
  afterAll(async () => {
    await pressure.stop();
  });
  let scenario: Scenario | undefined;
  afterEach(async () => {
    await tearDown(scenario);
    scenario = undefined;
  });

  it('loses the records a killed member had committed but not processed (why the strategy is unsafe)', async () => {
    scenario = await setUpScenario('unsafe', partitions, records);
    const fleet = await startFleet(scenario, 'unsafe-commit-before-process', () => [
      '--batch-size',
      String(batchSize),
      '--processing-time-ms',
      '4',
    ]);
    fleet.start(0);
    fleet.start(1);
    const report = await runChaos(fleet, {
      seed: 41,
      actions: ['kill', 'kill', 'kill', 'join', 'join'],
      pauseMs: [1000, 2000],
      slots: 3,
    });
    while (fleet.live().length < 2) fleet.start(fleet.freeSlot(3) ?? 0);
    // The group looks healthy: it committed the end of every partition...
    await waitCaughtUp(scenario, 120_000);
    await fleet.stopAll();

    // ...yet records were never processed: the seed's "commits offset 10 but only processed up to 2".
    const result = tally(records, fleet.processedIds());
    console.info(
      `unsafe-commit-before-process: ${report.schedule.join(', ')}; missing ${result.missing.length} ` +
        `(e.g. ${result.missing.slice(0, 5).join(', ')}), duplicates ${result.duplicates}`,
    );
    expect(report.killsMidWork).toBeGreaterThanOrEqual(2);
    expect(result.missing.length).toBeGreaterThan(0);
    // At most the rest of one committed chunk per kill.
    expect(result.missing.length).toBeLessThanOrEqual(report.kills * batchSize);
    expect(result.unexpected).toEqual([]);
  });
});
