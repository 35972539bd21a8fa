/**
 * `lagscaler traces`: the trace generator's families and parameters (`traces families`), and traces
 * generated from a family and a seed, or the whole corpus (`traces generate`). Generation is pure
 * (simulator/generate.ts); this file parses flags and writes files.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import Table from 'cli-table3';
import { type Command, InvalidArgumentError } from 'commander';
import {
  corpusMembers,
  familyNames,
  familyParameters,
  generateMember,
  generateTrace,
  shippedCorpus,
  traceDurationSeconds,
  traceFamilies,
  type Trace,
} from '#simulator/index';

/** `name=value` flags as parameters: numbers where they look like one, the rest as text (the schema names it). */
export function parameterFlag(
  value: string,
  previous: Readonly<Record<string, unknown>> = {},
): Record<string, unknown> {
  const match = /^([A-Za-z]+)=(.*)$/.exec(value);
  if (match === null) throw new InvalidArgumentError(`expected name=value (e.g. partitions=12), got '${value}'`);
  const [, name = '', raw = ''] = match;
  const number = raw.trim() === '' ? Number.NaN : Number(raw);
  return { ...previous, [name]: Number.isFinite(number) ? number : raw };
}

/** A seed flag: a whole number (the generator checks its range). */
export function seedFlag(value: string): number {
  const seed = Number(value);
  if (!Number.isInteger(seed)) throw new InvalidArgumentError(`--seed must be a whole number, got '${value}'`);
  return seed;
}

/** A trace as JSON that reads well: two-space indent, number arrays on one line. */
export function traceJson(trace: Trace): string {
  const text = JSON.stringify(trace, null, 2).replace(
    /\[\s+(-?[\d.e+-]+(?:,\s+-?[\d.e+-]+)*)\s+\]/g,
    (_all, inner: string) => `[${inner.split(/,\s+/).join(', ')}]`,
  );
  return `${text}\n`;
}

/** Writes a trace to `out` (a .json file, or a directory for `<name>.json`); returns the path. */
export function writeTrace(out: string, trace: Trace): string {
  const path = extname(out) === '.json' ? out : join(out, `${trace.name}.json`);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, traceJson(trace));
  return path;
}

/** The families and their parameters, as printed by `traces families`. */
export function familiesTable(only?: string): string {
  const table = new Table({
    head: ['family', 'parameter', 'unit', 'accepted', 'a seed draws', 'meaning'],
    style: { head: [], border: [] },
    wordWrap: true,
    colWidths: [22, 26, 12, 18, 34, 44],
  });
  for (const family of traceFamilies.filter((candidate) => only === undefined || candidate.name === only)) {
    table.push([{ colSpan: 6, content: `${family.name}: ${family.summary} (step ${family.stepSeconds} s)` }]);
    for (const spec of familyParameters(family)) {
      const accepted = `${spec.min}-${spec.max}${spec.integer === true ? ', whole' : ''}`;
      table.push(['', spec.name, spec.unit, accepted, spec.drawn, spec.doc]);
    }
  }
  return table.toString();
}

/** One line per trace: what a reader checks first. */
export function tracesSummary(traces: readonly Trace[]): string {
  const table = new Table({
    head: ['trace', 'partitions', 'minutes', 'msg/s per task', 'initial tasks', 'peak load (tasks)', 'skew changes'],
    style: { head: [], border: [] },
  });
  for (const trace of traces) {
    const topic = trace.topics[0];
    const rates = topic === undefined ? [] : (trace.production[topic.name] ?? []);
    const peak = rates.reduce((max, rate) => Math.max(max, rate), 0) / trace.taskThroughputPerSecond;
    table.push([
      trace.name,
      String(topic?.partitions ?? '-'),
      String(traceDurationSeconds(trace) / 60),
      String(trace.taskThroughputPerSecond),
      String(trace.initialTasks),
      peak.toFixed(1),
      String(topic?.skew?.length ?? 0),
    ]);
  }
  return table.toString();
}

interface GenerateFlags {
  readonly family?: string;
  readonly seed: number;
  readonly param: Readonly<Record<string, unknown>>;
  readonly name?: string;
  readonly corpus?: boolean;
  readonly out?: string;
}

/** `traces generate`: one trace (stdout or a file) or the corpus (a summary, and files with --out). */
function runGenerate(flags: GenerateFlags): void {
  if (flags.corpus === true) {
    if (flags.family !== undefined) throw new Error('--corpus and --family exclude each other');
    const traces = corpusMembers(shippedCorpus()).map((member) => generateMember(member));
    console.log(tracesSummary(traces));
    if (flags.out !== undefined) {
      traces.forEach((trace) => writeTrace(join(flags.out ?? '.', `${trace.name}.json`), trace));
      console.log(`${traces.length} traces written to ${flags.out}`);
    }
    return;
  }
  if (flags.family === undefined)
    throw new Error(`--family <name> or --corpus is required; families: ${familyNames.join(', ')}`);
  const result = generateTrace({ family: flags.family, seed: flags.seed, params: flags.param, name: flags.name });
  if (!result.ok) throw new Error(`cannot generate the trace:\n  ${result.errors.join('\n  ')}`);
  if (flags.out === undefined) process.stdout.write(traceJson(result.trace));
  else console.log(`${writeTrace(flags.out, result.trace)}\n${tracesSummary([result.trace])}`);
}

/** Register `traces` (families, generate) on the lagscaler program. */
export function registerTraces(program: Command): void {
  const traces = program.command('traces').description('generate load traces of documented families; the corpus');
  traces
    .command('families')
    .description('list the trace families, their parameters, accepted ranges and what a seed draws')
    .option('--family <name>', 'only this family')
    .action((flags: { family?: string }) => {
      if (flags.family !== undefined && !familyNames.includes(flags.family))
        throw new Error(`unknown family '${flags.family}'; expected one of ${familyNames.join(', ')}`);
      console.log(familiesTable(flags.family));
    });
  traces
    .command('generate')
    .description('generate a trace from a family and a seed (JSON on stdout, or --out), or the corpus (--corpus)')
    .option('--family <name>', `one of ${familyNames.join(', ')}`)
    .option('--seed <n>', 'the seed (a whole number from 0 to 2^32 - 1)', seedFlag, 1)
    .option('--param <name=value>', 'fix a parameter (repeatable; see `traces families`)', parameterFlag, {})
    .option('--name <name>', 'the trace name (default <family>-<seed>)')
    .option('--corpus', 'every trace of the corpus (simulator/corpus.json)')
    .option('--out <file.json|dir>', 'write the trace (or each corpus trace) there')
    .action((flags: GenerateFlags) => runGenerate(flags));
}
