/**
 * `lagscaler simulate`: replay a trace through one or all policies, print the comparison table and
 * write an HTML page of charts. The simulation itself is pure (simulator/); this file
 * only reads trace files, parses flags and writes the report.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Table from 'cli-table3';
import { type Command, InvalidArgumentError } from 'commander';
import {
  buildPolicy,
  defaultLineupParameters,
  defaultSimulationOptions,
  findCorpusMember,
  generateMember,
  generateTrace,
  htmlReport,
  parseTrace,
  policyNames,
  simulate,
  tableHead,
  shippedCorpus,
  tableRow,
  traceSizeProblem,
  type Assignor,
  type LineupParameters,
  type PolicyName,
  type SimulationOptions,
  type SimulationResult,
  type Trace,
} from '#simulator/index';
import { parsePolicyConfig, type PolicyConfigInput } from '#domain/policy/index';

/** The shipped traces directory (simulator/traces/). */
export const tracesDirectory = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'simulator', 'traces');

/** Names of the shipped traces, in a stable order. */
export function shippedTraceNames(): readonly string[] {
  return readdirSync(tracesDirectory)
    .filter((file) => extname(file) === '.json')
    .map((file) => file.slice(0, -'.json'.length))
    .sort();
}

/**
 * Load a trace from a file path, by name from traces/, a corpus trace (`corpus:ramp-3`) or any family
 * and seed (`ramp:42`). Throws an Error naming the line/field on bad input.
 */
export function loadTrace(fileOrName: string): Trace {
  const generated = generatedTrace(fileOrName);
  if (generated !== undefined) return generated;
  const path = existsSync(fileOrName) ? fileOrName : join(tracesDirectory, `${fileOrName}.json`);
  if (!existsSync(path)) {
    throw new Error(
      `trace '${fileOrName}' is neither a file nor a shipped trace; shipped: ${shippedTraceNames().join(', ')}`,
    );
  }
  return readTraceFile(path);
}

/** `corpus:<name>` or `<family>:<seed>` as a generated trace; undefined for anything else (a file or a name). */
function generatedTrace(spec: string): Trace | undefined {
  if (existsSync(spec)) return undefined;
  const corpusName = /^corpus:(.+)$/.exec(spec)?.[1];
  if (corpusName !== undefined) {
    const member = findCorpusMember(shippedCorpus(), corpusName);
    if (member === undefined) throw new Error(`no trace '${corpusName}' in the corpus (simulator/corpus.json)`);
    return generateMember(member);
  }
  const [, family, seed] = /^([a-z-]+):(\d+)$/.exec(spec) ?? [];
  if (family === undefined || seed === undefined) return undefined;
  const result = generateTrace({ family, seed: Number(seed) });
  if (!result.ok) throw new Error(`cannot generate the trace:\n  ${result.errors.join('\n  ')}`);
  return result.trace;
}

/** Read and parse a trace file; its size is checked before it is read, so a huge file fails at once. */
export function readTraceFile(path: string): Trace {
  const tooLarge = traceSizeProblem(statSync(path).size, path);
  if (tooLarge !== undefined) throw new Error(`invalid trace:\n  ${tooLarge}`);
  const result = parseTrace(readFileSync(path, 'utf8'), path);
  if (!result.ok) throw new Error(`invalid trace:\n  ${result.errors.join('\n  ')}`);
  return result.trace;
}

/** Run the chosen policies over one trace with the shared parameters. */
export function runTrace(
  trace: Trace,
  names: readonly PolicyName[],
  options: SimulationOptions,
  overrides: Partial<LineupParameters> = {},
): readonly SimulationResult[] {
  const parameters = { ...defaultLineupParameters(trace, options), ...overrides };
  return names.map((name) => simulate(trace, buildPolicy(name, parameters, options), options));
}

/** The comparison table as text (cli-table3). */
export function renderTable(results: readonly SimulationResult[]): string {
  const table = new Table({ head: [...tableHead], style: { head: [], border: [] } });
  for (const result of results) table.push([...tableRow(result)]);
  return table.toString();
}

/** Write the HTML chart page; `out` is a directory or a file ending in .html. Returns the path. */
export function writeReport(
  out: string,
  groups: readonly (readonly SimulationResult[])[],
  heading: string,
  fallbackName: string,
): string {
  const path = extname(out) === '.html' ? out : join(out, `${fallbackName}.html`);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, htmlReport(groups, heading));
  return path;
}

const number =
  (flag: string, min: number) =>
  (value: string): number => {
    const parsed = Number(value);
    if (!Number.isFinite(parsed) || parsed < min) {
      throw new InvalidArgumentError(`${flag} must be a number >= ${min}, got '${value}'`);
    }
    return parsed;
  };

function policyList(value: string): readonly PolicyName[] {
  if (value === 'all') return policyNames;
  const names = value.split(',').map((name) => name.trim());
  for (const name of names) {
    if (!policyNames.includes(name as PolicyName)) {
      throw new InvalidArgumentError(`unknown policy '${name}'; expected one of ${policyNames.join(', ')} or all`);
    }
  }
  return names as PolicyName[];
}

interface SimulateFlags {
  readonly trace: string;
  readonly policy: readonly PolicyName[];
  readonly out: string;
  readonly pause: number;
  readonly startDelay: number;
  readonly assignor: string;
  readonly drainTarget: number;
  readonly config?: string;
}

/** Register `simulate` on the lagscaler program. */
export function registerSimulate(program: Command): void {
  program
    .command('simulate')
    .description('replay a production trace through scaling policies; print the table and write an HTML chart')
    .requiredOption(
      '--trace <file|name>',
      `trace file, a shipped trace name (${shippedTraceNames().join(', ')}), corpus:<family>-<seed> (simulator/corpus.json), or <family>:<seed> (lagscaler traces families)`,
    )
    .option('--policy <name>', `${policyNames.join('|')}|all, or a comma list`, policyList, policyNames)
    .option('--out <dir|file.html>', 'where to write the chart', 'reports')
    .option(
      '--pause <seconds>',
      'rebalance pause on every membership change (measured: bench:rebalance)',
      number('--pause', 0),
      1,
    )
    .option('--start-delay <seconds>', 'seconds from task start to joining the group', number('--start-delay', 0), 40)
    .option(
      '--assignor <range|roundrobin|cooperative-sticky>',
      'partition assignment (eager range/roundrobin pause the whole group; cooperative-sticky only moved partitions)',
      'range',
    )
    .option(
      '--drain-target <seconds>',
      'drain target (ours) and the over-target threshold',
      number('--drain-target', 1),
      300,
    )
    .option('--config <json>', 'our policy config overrides as JSON (validated by PolicyConfigSchema)')
    // Errors thrown here are plain Errors: lagscaler prints their message (commander's own it prints itself).
    .action((flags: SimulateFlags) => {
      if (flags.assignor !== 'range' && flags.assignor !== 'roundrobin' && flags.assignor !== 'cooperative-sticky') {
        throw new Error(`--assignor must be range, roundrobin or cooperative-sticky, got '${flags.assignor}'`);
      }
      const assignor: Assignor = flags.assignor;
      let ours: PolicyConfigInput = {};
      if (flags.config !== undefined) {
        let raw: unknown;
        try {
          raw = JSON.parse(flags.config);
        } catch {
          throw new Error('--config must be a JSON object, e.g. {"maxStepUp":4}');
        }
        const parsed = parsePolicyConfig(raw);
        if (!parsed.ok) throw new Error(`--config: ${parsed.errors.join('; ')}`);
        // Validated just above; kept raw so only the given fields override the comparison's shared ones.
        ours = raw as PolicyConfigInput;
      }
      const trace = loadTrace(flags.trace);
      const options: SimulationOptions = {
        ...defaultSimulationOptions,
        rebalancePauseSeconds: flags.pause,
        taskStartSeconds: flags.startDelay,
        assignor,
        drainTargetSeconds: flags.drainTarget,
      };
      const results = runTrace(trace, flags.policy, options, { ours });
      console.log(renderTable(results));
      const path = writeReport(
        flags.out,
        [results],
        `${trace.name}: ${trace.description}`,
        `simulate-${trace.name}-${flags.policy.join('-')}`,
      );
      console.log(`chart: ${path}`);
    });
}
