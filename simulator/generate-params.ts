/**
 * The trace generator's parameters: each one documented (meaning, unit, accepted range, how a seed draws
 * it), validated by a zod schema built from those specs and worded by the one schema formatter, then
 * the missing ones drawn from the seed. Pure.
 */
import { z } from 'zod';
import { formatProblem, formatSchemaError } from '#domain/config/schema-issues';
import { dice, streamSeed, type Dice } from './generate-random';
import { traceLimits } from './trace';

/** The value of an already resolved parameter, by name (parameters resolve in their listed order). */
export type Chosen = (name: string) => number;

/** One generator parameter. Every parameter is optional: a seed draws what is not given. */
export interface ParameterSpec {
  readonly name: string;
  /** Unit, as printed: 'minutes', 'tasks' (load: production / taskThroughputPerSecond), 'msg/s', ... */
  readonly unit: string;
  readonly doc: string;
  /** Accepted range (inclusive), for given and drawn values alike. */
  readonly min: number;
  readonly max: number;
  readonly integer?: boolean;
  /** How a seed draws it when it is not given, for the docs. */
  readonly drawn: string;
  /** Draws it from its own stream, reading parameters listed before it. */
  readonly draw: (dice: Dice, chosen: Chosen) => number;
}

/** A problem across parameters, naming the one to change. */
export interface ParameterProblem {
  readonly parameter: string;
  readonly message: string;
}

/** What a generator request resolves to: every parameter's value, or the problems with the given ones. */
export type ResolvedParameters =
  | { readonly ok: true; readonly values: Readonly<Record<string, number>> }
  | { readonly ok: false; readonly errors: readonly string[] };

/** The zod schema of given parameters: only known names, each a number in its range. */
export function parametersSchema(specs: readonly ParameterSpec[]) {
  return z.strictObject(Object.fromEntries(specs.map((spec) => [spec.name, numberSchema(spec).optional()])));
}

function numberSchema(spec: ParameterSpec) {
  const range = `${spec.integer === true ? 'a whole number' : 'a number'} from ${spec.min} to ${spec.max} (${spec.unit})`;
  const expected = (issue: { input?: unknown }) => `expected ${range}, got ${JSON.stringify(issue.input)}`;
  const base = z.number({ error: expected }).min(spec.min, { error: expected }).max(spec.max, { error: expected });
  return spec.integer === true ? base.int({ error: expected }) : base;
}

/** Where generator problems come from, as printed before each one. */
export interface ParameterSource {
  readonly family: string;
  readonly seed: number;
}

const sourceOf = (source: ParameterSource) => `family ${source.family}, seed ${source.seed}`;

/** Validates the given parameters (unknown names and out-of-range values are errors, every one named). */
export function checkGiven(
  specs: readonly ParameterSpec[],
  given: unknown,
  source: ParameterSource,
):
  | { readonly ok: true; readonly values: Readonly<Record<string, number>> }
  | { readonly ok: false; readonly errors: readonly string[] } {
  const result = parametersSchema(specs).safeParse(given ?? {});
  if (result.success) {
    const values = Object.fromEntries(
      Object.entries(result.data).filter((entry): entry is [string, number] => entry[1] !== undefined),
    );
    return { ok: true, values };
  }
  return {
    ok: false,
    errors: formatSchemaError(result.error, {
      source: sourceOf(source),
      root: 'parameters',
      unknownFieldsFix: `expected parameters of ${source.family}: ${specs.map((spec) => spec.name).join(', ')}`,
    }),
  };
}

/**
 * Every parameter's value: the given one, or drawn from the seed (rounded and kept inside the accepted
 * range), in the specs' order so a draw can depend on earlier parameters.
 */
export function drawMissing(
  specs: readonly ParameterSpec[],
  given: Readonly<Record<string, number>>,
  source: ParameterSource,
  known: Readonly<Record<string, number>> = {},
): Readonly<Record<string, number>> {
  const values: Record<string, number> = { ...known };
  const chosen: Chosen = (name) => {
    const value = values[name];
    if (value === undefined) throw new Error(`generator parameter '${name}' is read before it is resolved`);
    return value;
  };
  for (const spec of specs) {
    const fixed = given[spec.name];
    if (fixed !== undefined) {
      values[spec.name] = fixed;
      continue;
    }
    const drawn = spec.draw(dice(streamSeed(source.family, source.seed, spec.name)), chosen);
    const whole = spec.integer === true ? Math.round(drawn) : drawn;
    values[spec.name] = Math.min(spec.max, Math.max(spec.min, whole));
  }
  return values;
}

/** The problems as printed lines: `family F, seed S: parameter: message`. */
export function formatProblems(problems: readonly ParameterProblem[], source: ParameterSource): string[] {
  return problems.map((problem) =>
    formatProblem({ path: [problem.parameter], message: problem.message }, { source: sourceOf(source) }),
  );
}

/** Budget rules every family shares: the trace stays inside `traceLimits` before anything is generated. */
export function commonProblems(chosen: Chosen, loadParameters: readonly string[]): ParameterProblem[] {
  const problems: ParameterProblem[] = [];
  const durationSeconds = chosen('durationMinutes') * 60;
  const partitions = chosen('partitions');
  const stepSeconds = chosen('stepSeconds');
  if (durationSeconds * partitions > traceLimits.partitionSeconds) {
    problems.push({
      parameter: 'durationMinutes',
      message:
        `${chosen('durationMinutes')} minutes x ${partitions} partitions = ${durationSeconds * partitions} partition-seconds; ` +
        `expected at most ${traceLimits.partitionSeconds} (the simulator keeps 16 bytes per partition-second): ` +
        'a shorter trace or fewer partitions',
    });
  }
  if (durationSeconds < stepSeconds) {
    problems.push({ parameter: 'stepSeconds', message: `expected at most the duration (${durationSeconds} s)` });
  } else if (Math.ceil(durationSeconds / stepSeconds) > traceLimits.samples) {
    problems.push({
      parameter: 'stepSeconds',
      message: `${Math.ceil(durationSeconds / stepSeconds)} samples of ${stepSeconds} s; expected at most ${traceLimits.samples}: longer steps`,
    });
  }
  const throughput = chosen('taskThroughputPerSecond');
  for (const name of loadParameters) {
    if (chosen(name) * throughput > traceLimits.ratePerSecond) {
      problems.push({
        parameter: name,
        message: `${chosen(name)} tasks x ${throughput} msg/s per task is above ${traceLimits.ratePerSecond} msg/s`,
      });
    }
  }
  return problems;
}
