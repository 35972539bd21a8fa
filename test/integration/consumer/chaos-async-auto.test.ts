import { afterEach, describe, expect, it } from 'vitest';
import { runChaos, tally } from './fleet';
import { setUpScenario, startFleet, tearDown, waitCaughtUp, type Scenario } from './scenario';

const partitions = 6;
const records = 4000;
const processingTimeMs = 4;
const autoCommitIntervalMs = 1000;

describe('background commit strategies under chaos (SIGKILL mid-work, joins, leaves)', () => {
  let scenario: Scenario | undefined;
  afterEach(async () => {
    await tearDown(scenario);
    scenario = undefined;
  });

  // Bounds: async waits when 150 records are unacknowledged; auto commits at least every interval,
  // and one record takes at least (processing time - 1 ms of timer slack).
  it.each([
    {
      strategy: 'async',
      seed: 21,
      args: ['--batch-size', '50', '--async-max-uncommitted', '150'],
      duplicatesPerKill: 150,
    },
    {
      strategy: 'auto',
      seed: 22,
      args: ['--auto-commit-interval-ms', String(autoCommitIntervalMs)],
      duplicatesPerKill: Math.ceil(autoCommitIntervalMs / (processingTimeMs - 1)) + 2,
    },
  ])(
    '$strategy: no id is missing and duplicates stay within $duplicatesPerKill per SIGKILL',
    async ({ strategy, seed, args, duplicatesPerKill }) => {
      scenario = await setUpScenario(strategy, partitions, records);
      const fleet = startFleet(scenario, strategy, () => ['--processing-time-ms', String(processingTimeMs), ...args]);
      fleet.start(0);
      fleet.start(1);
      const report = await runChaos(fleet, {
        seed,
        actions: ['kill', 'kill', 'kill', 'join', 'join', 'leave'],
        pauseMs: [1000, 2000],
        slots: 3,
      });
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
