import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { services } from '../../support/services';
import { CpuPressure } from './cpu-pressure';
import { phaseCounts, runSigtermScenario, sigtermStrategies } from './sigterm-scenarios';

/** SIGTERMed tasks per strategy in CI (bench:chaos runs 50 and more). */
const runsPerStrategy = 5;

describe('graceful shutdown at a random instant of a task life (SIGTERM, as ECS sends it), under CPU pressure', () => {
  let pressure: CpuPressure;
  beforeAll(() => {
    pressure = CpuPressure.start();
  });
  afterAll(async () => {
    await pressure.stop();
  });

  it.each(sigtermStrategies.map((strategy, index) => ({ strategy, seed: 51 + index })))(
    '$strategy: every task exits 0 whatever it was doing, and nothing is lost or processed twice',
    async ({ strategy, seed }) => {
      const outcome = await runSigtermScenario({
        brokers: services().kafkaBrokers,
        strategy,
        seed,
        runs: runsPerStrategy,
      });
      const { runs, processed, output } = outcome;
      console.info(
        `${strategy}: ${runs.length} SIGTERMs (${phaseCounts(runs)}): ` +
          runs.map((run) => `${run.member} at ${run.delayMs} ms -> ${run.code ?? run.signal}`).join(', ') +
          `; duplicates ${processed.duplicates}`,
      );
      for (const run of runs) {
        expect(run, `${run.member} SIGTERMed ${run.delayMs} ms into its life`).toMatchObject({ code: 0, signal: null });
        expect(run.ms).toBeLessThan(15_000);
      }
      expect(processed).toEqual({ missing: 0, duplicates: 0, unexpected: 0 });
      if (strategy === 'transactional') expect(output).toEqual({ missing: 0, duplicates: 0, unexpected: 0 });
    },
  );
});
