/**
 * `npm run bench:policy`: every shipped trace against every policy. Prints the table, the command that
 * produced it, and PASS/MISS for each of the issue's targets; writes reports/bench-policy.html.
 * A MISS is reported, never hidden: the traces are not tuned to pass.
 */
import Table from 'cli-table3';
import {
  checkTargets,
  defaultSimulationOptions,
  policyNames,
  type SimulationOptions,
  type SimulationResult,
  type TargetCheck,
} from '#simulator/index';
import { loadTrace, renderTable, runTrace, shippedTraceNames, writeReport } from '../bin/commands/simulate';

const STEADY_TRACES = ['steady', 'diurnal'];

/** Model knobs for sensitivity runs: `npm run bench:policy -- --pause 15 --start-delay 90 --assignor roundrobin`. */
function optionsFromArgs(args: readonly string[]): SimulationOptions {
  const value = (flag: string): string | undefined => {
    const index = args.indexOf(flag);
    return index < 0 ? undefined : args[index + 1];
  };
  const seconds = (flag: string, fallback: number): number => {
    const raw = value(flag);
    if (raw === undefined) return fallback;
    const parsed = Number(raw);
    if (!Number.isFinite(parsed) || parsed < 0)
      throw new Error(`${flag} must be a number of seconds >= 0, got '${raw}'`);
    return parsed;
  };
  const assignor = value('--assignor') ?? defaultSimulationOptions.assignor;
  if (assignor !== 'range' && assignor !== 'roundrobin' && assignor !== 'cooperative-sticky') {
    throw new Error(`--assignor must be range, roundrobin or cooperative-sticky, got '${assignor}'`);
  }
  return {
    ...defaultSimulationOptions,
    rebalancePauseSeconds: seconds('--pause', defaultSimulationOptions.rebalancePauseSeconds),
    taskStartSeconds: seconds('--start-delay', defaultSimulationOptions.taskStartSeconds),
    assignor,
  };
}

const started = performance.now();
const args = process.argv.slice(2);
const options = optionsFromArgs(args);
const groups: (readonly SimulationResult[])[] = [];
const checks: TargetCheck[] = [];
for (const name of shippedTraceNames()) {
  const results = runTrace(loadTrace(name), policyNames, options);
  groups.push(results);
  checks.push(...checkTargets(results, STEADY_TRACES));
}

console.log(`$ npm run bench:policy${args.length > 0 ? ` -- ${args.join(' ')}` : ''}   (${new Date().toISOString()})`);
console.log(
  `model: rebalance pause ${options.rebalancePauseSeconds}s (${options.assignor === 'cooperative-sticky' ? 'moved partitions only' : 'eager, whole group'}), task start ${options.taskStartSeconds}s, ` +
    `${options.assignor} assignor, drain target ${options.drainTargetSeconds}s, rate window ${options.rateWindowSeconds}s, ` +
    `ours runs the tick's pipeline (lag engine, health, observation, policy); policies: ${policyNames.join(', ')}`,
);
console.log(renderTable(groups.flat()));

const targets = new Table({ head: ['trace', 'target', 'result', 'detail'], style: { head: [], border: [] } });
for (const check of checks) targets.push([check.trace, check.target, check.pass ? 'PASS' : 'MISS', check.detail]);
console.log(targets.toString());
const missed = checks.filter((check) => !check.pass).length;
console.log(`${checks.length - missed}/${checks.length} targets PASS, ${missed} MISS`);
const path = writeReport(
  'reports/bench-policy.html',
  groups,
  'npm run bench:policy: every trace x every policy',
  'bench-policy',
);
console.log(`chart: ${path}   (${((performance.now() - started) / 1000).toFixed(1)}s)`);
