import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { seededRandom, tally } from './fleet';
import { setUpScenario, startFleet, tearDown, waitCaughtUp, type Scenario } from './scenario';

const partitions = 6;
const records = 4500;

describe('graceful shutdown (SIGTERM, as ECS sends on scale-in) during processing', () => {
  let scenario: Scenario | undefined;
  afterEach(async () => {
    await tearDown(scenario);
    scenario = undefined;
  });

  it.each([
    { strategy: 'sync-batch', seed: 51 },
    { strategy: 'async', seed: 52 },
    { strategy: 'per-message', seed: 53 },
    { strategy: 'auto', seed: 54 },
  ])(
    '$strategy: members leave and join mid-work; nothing is lost and nothing is processed twice',
    async ({ strategy, seed }) => {
      scenario = await setUpScenario(`sigterm-${strategy}`, partitions, records);
      const fleet = startFleet(scenario, strategy, () => ['--batch-size', '50', '--processing-time-ms', '4']);
      const random = seededRandom(seed);
      fleet.start(0);
      fleet.start(1);
      const shutdowns: { code: number | null; ms: number }[] = [];
      let busyShutdowns = 0;
      for (let round = 0; round < 4; round += 1) {
        await sleep(800 + random() * 1200);
        const picked = await fleet.busyMember(random);
        if (picked === undefined) continue;
        if (picked.busy) busyShutdowns += 1;
        shutdowns.push(await fleet.terminate(picked.member));
        // A replacement joins (another rebalance), as ECS would start one.
        fleet.start(fleet.freeSlot(3) ?? 0);
        if (round === 1) fleet.start(fleet.freeSlot(3) ?? 0);
      }
      await waitCaughtUp(scenario, 120_000);
      await fleet.stopAll();

      const result = tally(records, fleet.processedIds());
      console.info(`${strategy}: shutdowns ${JSON.stringify(shutdowns)}; duplicates ${result.duplicates}`);
      // SIGTERM while processing is the point: most shutdowns must hit a member mid-work.
      expect(busyShutdowns).toBeGreaterThanOrEqual(3);
      // Exit 0 well inside the shutdown bound (20 s here, 25 s by default, ECS kills at 30 s).
      for (const { code, ms } of shutdowns) {
        expect(code).toBe(0);
        expect(ms).toBeLessThan(10_000);
      }
      expect(result.missing).toEqual([]);
      expect(result.duplicates).toBe(0);
      expect(result.unexpected).toEqual([]);
    },
  );
});
