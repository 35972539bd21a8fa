import { afterEach, describe, expect, it } from 'vitest';
import { runChaos, tally } from './fleet';
import { setUpScenario, startFleet, tearDown, waitCaughtUp, type Scenario } from './scenario';

const partitions = 6;
const records = 4000;

describe('synchronous commit strategies under chaos (SIGKILL mid-work, joins, leaves)', () => {
  let scenario: Scenario | undefined;
  afterEach(async () => {
    await tearDown(scenario);
    scenario = undefined;
  });

  // The bound each strategy implies: what a killed member processed but had not committed yet.
  it.each([
    { strategy: 'sync-batch', seed: 11, batchSize: 50, duplicatesPerKill: 50 },
    { strategy: 'per-message', seed: 12, batchSize: 50, duplicatesPerKill: 1 },
  ])(
    '$strategy: no id is missing and duplicates stay within $duplicatesPerKill per SIGKILL',
    async ({ strategy, seed, batchSize, duplicatesPerKill }) => {
      scenario = await setUpScenario(strategy, partitions, records);
      const fleet = startFleet(scenario, strategy, () => [
        '--processing-time-ms',
        '3',
        '--batch-size',
        String(batchSize),
      ]);
      fleet.start(0);
      fleet.start(1);
      const report = await runChaos(fleet, {
        seed,
        actions: ['kill', 'kill', 'kill', 'join', 'join', 'leave'],
        pauseMs: [1000, 2000],
        slots: 3,
      });
      // Restart until everything is consumed, as ECS replaces tasks that died.
      while (fleet.live().length < 2) fleet.start(fleet.freeSlot(3) ?? 0);
      await waitCaughtUp(scenario, 120_000);
      await fleet.stopAll();

      const result = tally(records, fleet.processedIds());
      console.info(
        `${strategy}: ${report.schedule.join(', ')}; duplicates ${result.duplicates} (bound ${report.kills * duplicatesPerKill})`,
      );
      expect(report.killsMidWork).toBeGreaterThanOrEqual(2);
      expect(result.missing).toEqual([]);
      expect(result.unexpected).toEqual([]);
      expect(result.duplicates).toBeLessThanOrEqual(report.kills * duplicatesPerKill);
    },
  );
});
