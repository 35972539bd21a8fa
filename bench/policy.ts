/**
 * `npm run bench:policy`: every shipped trace (or, with --corpus, every trace of the corpus) through
 * ours and the baselines, under one model or several (--models all). For each model it prints the
 * command that reproduces it, PASS/MISS per trace and per family for each of the issue's targets with
 * the numbers, and why each miss happened; it writes the per-trace rows (JSON, CSV) and, for the shipped
 * traces, the HTML charts. A MISS is reported, never hidden: the traces are not tuned to pass.
 */
import { availableParallelism } from 'node:os';
import {
  corpusMembers,
  generateMember,
  policyNames,
  shippedCorpus,
  summarizeFamilies,
  type SimulationOptions,
  type Trace,
} from '#simulator/index';
import { loadTrace, renderTable, shippedTraceNames, writeReport } from '../bin/commands/simulate';
import { benchCommand, benchPolicyProgram, type BenchPlan, type ModelVariant } from './policy-cli';
import { runJobs, type BenchJob, type JobOutcome } from './policy-jobs';
import { familyTable, missList, traceTable, verdictLine, writeRows } from './policy-report';
import { machine } from './support';

/** The traces of the plan, each with its family ('shipped' for the shipped ones). */
function tracesOf(plan: BenchPlan): readonly { readonly trace: Trace; readonly family: string }[] {
  if (!plan.corpus) return shippedTraceNames().map((name) => ({ trace: loadTrace(name), family: 'shipped' }));
  return corpusMembers(shippedCorpus())
    .filter((member) => plan.families === undefined || plan.families.includes(member.family))
    .map((member) => ({ trace: generateMember(member), family: member.family }));
}

function modelLine(options: SimulationOptions): string {
  const pause = options.assignor === 'cooperative-sticky' ? 'moved partitions only' : 'eager, whole group';
  return (
    `model: rebalance pause ${options.rebalancePauseSeconds}s (${pause}), task start ${options.taskStartSeconds}s, ` +
    `${options.assignor} assignor, drain target ${options.drainTargetSeconds}s, rate window ${options.rateWindowSeconds}s, ` +
    `ours runs the tick's pipeline (lag engine, health, observation, policy); policies: ${policyNames.join(', ')}`
  );
}

/** Prints one model's tables and writes its files. */
function reportModel(plan: BenchPlan, model: ModelVariant, outcomes: readonly JobOutcome[]): void {
  const command = benchCommand(plan, model);
  const checks = outcomes.map((outcome) => outcome.check);
  const families = summarizeFamilies(checks);
  const all = families[families.length - 1];
  console.log(`\n$ ${command}   (${new Date().toISOString()}; ${machine()})`);
  console.log(modelLine(model.options));
  if (!plan.corpus) console.log(renderTable(outcomes.flatMap((outcome) => outcome.results ?? [])));
  console.log(traceTable(checks));
  console.log(familyTable(plan.corpus ? families : families.slice(-1)));
  const inspect = (trace: string) =>
    `npm run simulate -- --trace ${plan.corpus ? `corpus:${trace}` : trace} --policy all ${model.flags.join(' ')}`.trim();
  console.log(missList(checks, inspect));
  if (all !== undefined) console.log(`${command}: ${verdictLine(all)}`);
  const base = `bench-policy${plan.corpus ? '-corpus' : ''}-${model.name}`;
  const files = writeRows(plan.out, base, { command, outcomes, families });
  if (!plan.corpus) {
    const groups = outcomes.map((outcome) => outcome.results ?? []);
    files.push(writeReport(`${plan.out}/${base}.html`, groups, `${command}: every trace x every policy`, base));
  }
  console.log(`rows: ${files.join(', ')}`);
}

async function runBench(plan: BenchPlan): Promise<void> {
  const started = performance.now();
  const traces = tracesOf(plan);
  const jobs: BenchJob[] = plan.models.flatMap((model, index) =>
    traces.map(({ trace, family }, at) => ({
      id: index * traces.length + at,
      trace,
      family,
      model: model.name,
      options: model.options,
      keepResults: !plan.corpus,
    })),
  );
  const threads = Math.min(plan.jobs, availableParallelism(), jobs.length);
  const step = Math.max(1, Math.round(jobs.length / 10));
  const outcomes = await runJobs(jobs, threads, (done, total) => {
    if (done % step === 0 || done === total)
      process.stderr.write(
        `bench:policy: ${done}/${total} traces x models (${((performance.now() - started) / 1000).toFixed(0)} s)\n`,
      );
  });
  for (const model of plan.models)
    reportModel(
      plan,
      model,
      outcomes.filter((outcome) => outcome.model === model.name),
    );
  const simulated = outcomes.reduce((sum, outcome) => sum + outcome.milliseconds, 0) / 1000;
  console.log(
    `\n${traces.length} traces x ${plan.models.length} model(s) x ${policyNames.length} policies in ${((performance.now() - started) / 1000).toFixed(1)} s ` +
      `on ${threads} thread(s) (${simulated.toFixed(1)} s of simulation)`,
  );
}

await benchPolicyProgram(runBench).parseAsync(process.argv);
