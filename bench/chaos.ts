/**
 * `npm run bench:chaos`: the consumer's delivery promises, tallied over many seeded runs under CPU
 * pressure (one busy loop per core for the whole benchmark): the chaos scenario of each strategy
 * (SIGKILLs mid-work, a member frozen until expelled and resumed as a zombie, a leave, a join;
 * test/integration/consumer/chaos-scenarios.ts) and SIGTERMs at random instants of tasks' lives
 * (sigterm-scenarios.ts). Prints the tallies, the targets and the command. Starts Kafka unless
 * `--brokers` or KAFKA_BROKERS names one, and stops what it started.
 *   npm run bench:chaos -- [--runs 20] [--sigterm-runs 50] [--strategies a,b] [--parallel 2]
 */
import { Command } from 'commander';
import pLimit from 'p-limit';
import { describeError } from '../consumer/errors';
import { runBench, withBenchBroker } from '../test/integration/consumer/bench-broker';
import {
  chaosStrategies,
  runChaosScenario,
  type ChaosOutcome,
  type ChaosStrategy,
} from '../test/integration/consumer/chaos-scenarios';
import { CpuPressure } from '../test/integration/consumer/cpu-pressure';
import { consumerBundle } from '../test/integration/consumer/fleet';
import {
  phaseCounts,
  runSigtermScenario,
  sigtermStrategies,
  type SigtermOutcome,
} from '../test/integration/consumer/sigterm-scenarios';
import { machine, table } from './support';

const program = new Command()
  .name('bench:chaos')
  .option('--brokers <list>', 'Kafka bootstrap brokers (default: KAFKA_BROKERS, else a broker started for the run)')
  .option('--runs <n>', 'chaos runs (seeds) per strategy', '20')
  .option('--sigterm-runs <n>', 'SIGTERMed tasks in all, spread over the strategies', '50')
  .option('--strategies <list>', 'strategies to run', Object.keys(chaosStrategies).join(','))
  .option('--parallel <n>', 'scenarios at once (each its own topic and group)', '2')
  .parse();
const options = program.opts<{
  brokers: string | undefined;
  runs: string;
  sigtermRuns: string;
  strategies: string;
  parallel: string;
}>();
const runs = Number(options.runs);
const sigtermTotal = Number(options.sigtermRuns);
const strategies = options.strategies.split(',').filter((name): name is ChaosStrategy => name in chaosStrategies);
const limit = pLimit(Number(options.parallel));

type Failed = { readonly failed: string };
const failed = (error: unknown): Failed => ({ failed: describeError(error) });
const sum = (values: readonly number[]): number => values.reduce((total, value) => total + value, 0);

/** One row per strategy: what all its runs showed, and whether the targets held. */
function chaosRow(strategy: ChaosStrategy, results: readonly (ChaosOutcome | Failed)[]): string[] {
  const done = results.filter((result): result is ChaosOutcome => !('failed' in result));
  const over = done.filter((outcome) => outcome.processed.duplicates > (outcome.duplicateBound ?? Infinity));
  const outputDuplicates = sum(done.map((outcome) => outcome.output?.duplicates ?? 0));
  const outputMissing = sum(done.map((outcome) => outcome.output?.missing ?? 0));
  const missing = sum(done.map((outcome) => outcome.processed.missing + outcome.processed.unexpected));
  const transactional = strategy === 'transactional';
  const ok =
    done.length === results.length &&
    missing === 0 &&
    (transactional ? outputDuplicates === 0 && outputMissing === 0 : over.length === 0);
  return [
    strategy,
    `${done.length}/${results.length}`,
    `${sum(done.map((o) => o.report.kills))} (${sum(done.map((o) => o.report.killsMidWork))})`,
    `${sum(done.map((o) => o.report.takeovers))}/${sum(done.map((o) => o.report.stalls))}`,
    String(sum(done.map((o) => o.fencedZombieCommits))),
    `${sum(done.map((o) => o.processed.duplicates))} / ${Math.max(0, ...done.map((o) => o.processed.duplicates))}`,
    transactional
      ? 'exactly-once'
      : `${chaosStrategies[strategy].duplicatesPerDisruption}/disruption: ${over.length} over`,
    String(missing),
    transactional ? `${outputDuplicates} / ${outputMissing}` : '-',
    ok ? 'PASS' : 'FAIL',
  ];
}

function sigtermRow(strategy: string, results: readonly (SigtermOutcome | Failed)[]): string[] {
  const done = results.filter((result): result is SigtermOutcome => !('failed' in result));
  const all = done.flatMap((outcome) => outcome.runs);
  const clean = all.filter((run) => run.code === 0 && run.signal === null);
  const duplicates = sum(done.map((o) => o.processed.duplicates + (o.output?.duplicates ?? 0)));
  const missing = sum(done.map((o) => o.processed.missing + (o.output?.missing ?? 0)));
  const ok = done.length === results.length && clean.length === all.length && duplicates === 0 && missing === 0;
  return [
    strategy,
    `${clean.length}/${all.length}`,
    phaseCounts(all),
    String(all.filter((run) => run.secondSignal).length),
    `${Math.max(0, ...all.map((run) => run.ms))} ms`,
    String(duplicates),
    String(missing),
    ok ? 'PASS' : 'FAIL',
  ];
}

/** Every strategy's chaos runs (seeds 1000, 1001, ...), at most `--parallel` scenarios at once. */
async function chaosRuns(brokers: string) {
  return await Promise.all(
    strategies.map(async (strategy) => ({
      strategy,
      results: await Promise.all(
        Array.from({ length: runs }, (_, run) =>
          limit(() => runChaosScenario({ brokers, strategy, seed: 1000 + run }).catch(failed)),
        ),
      ),
    })),
  );
}

/** `--sigterm-runs` SIGTERMed tasks spread over the strategies, in scenarios of at most 10 (one group's input lasts). */
async function sigtermScenarios(brokers: string) {
  const perStrategy = Math.ceil(sigtermTotal / sigtermStrategies.length);
  return await Promise.all(
    sigtermStrategies.map(async (strategy, index) => ({
      strategy,
      results: await Promise.all(
        Array.from({ length: Math.ceil(perStrategy / 10) }, (_, part) =>
          limit(() =>
            runSigtermScenario({
              brokers,
              strategy,
              seed: 5000 + index * 100 + part,
              runs: Math.min(10, perStrategy - part * 10),
            }).catch(failed),
          ),
        ),
      ),
    })),
  );
}

const chaosHead = [
  'chaos: strategy',
  'runs ok',
  'SIGKILLs (mid-work)',
  'expelled+taken over / frozen',
  'fenced zombie commits',
  'processed dup: total / max run',
  'bound',
  'missing',
  'output dup / missing (read_committed)',
  'target',
];
const sigtermHead = [
  'SIGTERM: strategy',
  'exit 0',
  'phase at the signal',
  '2nd signal',
  'max shutdown',
  'duplicates',
  'missing',
  'target',
];

/** The runs behind a FAIL, one line each, so that a miss can be replayed with its seed. */
function printMisses(
  chaos: Awaited<ReturnType<typeof chaosRuns>>,
  sigterm: Awaited<ReturnType<typeof sigtermScenarios>>,
): void {
  for (const { strategy, results } of chaos) {
    for (const result of results) {
      if ('failed' in result) continue;
      const { seed, processed, output, duplicateBound, expelled, report } = result;
      const over = processed.duplicates > (duplicateBound ?? Infinity);
      if (!over && processed.missing === 0 && (output?.duplicates ?? 0) === 0 && (output?.missing ?? 0) === 0) continue;
      console.log(
        `MISS ${strategy} seed ${seed}: processed dup ${processed.duplicates} (bound ${duplicateBound}, ` +
          `expelled ${expelled}), missing ${processed.missing}; output ${JSON.stringify(output)}; ${report.schedule.join(', ')}`,
      );
    }
  }
  for (const { strategy, results } of sigterm) {
    for (const result of results) {
      if ('failed' in result) continue;
      for (const run of result.runs) {
        if (run.code === 0 && run.signal === null) continue;
        console.log(`MISS ${strategy} seed ${result.seed}: ${JSON.stringify(run)}`);
      }
    }
  }
}

async function main(brokers: string): Promise<number> {
  await consumerBundle();
  const pressure = CpuPressure.start({ maxMs: 4 * 3600_000 });
  const begun = Date.now();
  try {
    const chaos = await chaosRuns(brokers);
    const sigterm = await sigtermScenarios(brokers);
    const rows = chaos.map(({ strategy, results }) => chaosRow(strategy, results));
    const sigtermRows = sigterm.map(({ strategy, results }) => sigtermRow(strategy, results));
    const args = process.argv.slice(2);
    console.log(`\n$ npm run bench:chaos${args.length > 0 ? ` -- ${args.join(' ')}` : ''}`);
    console.log(
      `bench:chaos on ${machine()}, ${new Date().toISOString().slice(0, 10)}; CPU pressure: ${pressure.workers} ` +
        `busy loops; ${options.parallel} scenarios at once; ${((Date.now() - begun) / 60_000).toFixed(1)} min`,
    );
    console.log(table(chaosHead, rows));
    console.log(table(sigtermHead, sigtermRows));
    for (const { strategy, results } of [...chaos, ...sigterm]) {
      for (const result of results) if ('failed' in result) console.log(`${strategy}: a run failed: ${result.failed}`);
    }
    printMisses(chaos, sigterm);
    return [...rows, ...sigtermRows].every((row) => row.at(-1) === 'PASS') ? 0 : 1;
  } finally {
    await pressure.stop();
  }
}

await runBench(() => withBenchBroker(options.brokers, main));
