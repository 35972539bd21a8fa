import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readOutput } from './chaos-scenarios';
import { CpuPressure } from './cpu-pressure';
import { tally } from './fleet';
import { setUpScenario, startFleet, tearDown, waitCaughtUp, type Scenario } from './scenario';
import { phaseCounts, sigtermRuns, sigtermStrategies } from './sigterm-scenarios';

const partitions = 6;
const records = 3000;
const runsPerStrategy = 5;

describe('graceful shutdown at a random instant of a task life (SIGTERM, as ECS sends it), under CPU pressure', () => {
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

  it.each(sigtermStrategies.map((strategy, index) => ({ strategy, seed: 51 + index })))(
    '$strategy: every task exits 0 whatever it was doing, and nothing is lost or processed twice',
    async ({ strategy, seed }) => {
      scenario = await setUpScenario(`sigterm-${strategy}`, partitions, records);
      const output = `${scenario.topic}-billed`;
      scenario.extraTopics.push(output);
      await scenario.admin.createTopics({ topics: [{ topic: output, numPartitions: 3 }], waitForLeaders: true });
      const fleet = await startFleet(scenario, strategy, () => [
        ...['--batch-size', '50', '--processing-time-ms', '3', '--output-topic', output],
      ]);
      fleet.start(0);
      const runs = await sigtermRuns(fleet, { seed, runs: runsPerStrategy, slots: 3 });
      await waitCaughtUp(scenario, 180_000);
      await fleet.stopAll();

      const result = tally(records, fleet.processedIds());
      console.info(
        `${strategy}: ${runs.length} SIGTERMs (${phaseCounts(runs)}): ` +
          runs.map((run) => `${run.member} at ${run.delayMs} ms -> ${run.code ?? run.signal}`).join(', ') +
          `; duplicates ${result.duplicates}`,
      );
      for (const run of runs) {
        expect({ ...run, code: run.code, signal: run.signal }).toMatchObject({ code: 0, signal: null });
        expect(run.ms).toBeLessThan(15_000);
      }
      expect(result.missing).toEqual([]);
      expect(result.duplicates).toBe(0);
      expect(result.unexpected).toEqual([]);
      if (strategy === 'transactional') {
        const delivered = tally(records, await readOutput(scenario.kafka, output, true));
        expect(delivered.missing).toEqual([]);
        expect(delivered.duplicates).toBe(0);
      }
    },
  );
});
