/**
 * The trace generator: a documented family, a seed and optional parameters in, a valid trace out.
 * Pure and deterministic: the same request gives the same trace, a different seed a different one.
 * Parameters that are not given are drawn from the seed within the family's realistic ranges; given
 * ones are validated (zod, worded by the one schema formatter) before anything is generated.
 */
import { formatSchemaError } from '#domain/config/schema-issues';
import { checkGiven, commonProblems, drawMissing, formatProblems, type Chosen } from './generate-params';
import { cycleSpike, noise, periodicBursts, ramp, silenceDump, step } from './generate-families';
import { dice, roundSignificant, streamSeed } from './generate-random';
import { commonParameters, initialTasksParameter, type Shape, type TraceFamily } from './generate-shapes';
import { hotKeyDrainable, hotKeyUndrainable, movingHotKey, poisoned } from './generate-skew-families';
import { TraceSchema, type Trace } from './trace';

export type { TraceFamily } from './generate-shapes';
export type { ParameterSpec } from './generate-params';

/** Every family, in the order the docs and the corpus list them. */
export const traceFamilies: readonly TraceFamily[] = [
  silenceDump,
  periodicBursts,
  ramp,
  cycleSpike,
  hotKeyDrainable,
  hotKeyUndrainable,
  movingHotKey,
  noise,
  poisoned,
  step,
];

export const familyNames: readonly string[] = traceFamilies.map((family) => family.name);

/** The topic every generated trace has (one topic per trace). */
export const GENERATED_TOPIC = 'events';

/** The largest seed (seeds are 32-bit). */
export const MAX_SEED = 0xffff_ffff;

/** What to generate. */
export interface GenerateRequest {
  readonly family: string;
  /** A whole number from 0 to 2^32 - 1. */
  readonly seed: number;
  /** Parameters to fix (validated); the rest are drawn from the seed. */
  readonly params?: unknown;
  /** @default `${family}-${seed}` */
  readonly name?: string;
}

export type GenerateResult =
  | { readonly ok: true; readonly trace: Trace; readonly params: Readonly<Record<string, number>> }
  | { readonly ok: false; readonly errors: readonly string[] };

/** The family of that name, or undefined. */
export function findFamily(name: string): TraceFamily | undefined {
  return traceFamilies.find((family) => family.name === name);
}

/** Every parameter of a family, in the order they resolve (common ones, the family's, `initialTasks`). */
export function familyParameters(family: TraceFamily) {
  return [...commonParameters(family.stepSeconds), ...family.parameters, initialTasksParameter];
}

/** Generate one trace, or every problem with the request (each naming the family, seed and parameter). */
export function generateTrace(request: GenerateRequest): GenerateResult {
  const family = findFamily(request.family);
  if (family === undefined)
    return {
      ok: false,
      errors: [`unknown trace family '${request.family}'; expected one of ${familyNames.join(', ')}`],
    };
  if (!Number.isInteger(request.seed) || request.seed < 0 || request.seed > MAX_SEED)
    return { ok: false, errors: [`seed: expected a whole number from 0 to ${MAX_SEED}, got ${String(request.seed)}`] };
  const source = { family: family.name, seed: request.seed };
  const specs = familyParameters(family);
  const given = checkGiven(specs, request.params, source);
  if (!given.ok) return given;
  const before = specs.filter((spec) => spec !== initialTasksParameter);
  const values = drawMissing(before, given.values, source);
  const chosen: Chosen = (name) => values[name] ?? Number.NaN;
  const problems = [...commonProblems(chosen, family.loadParameters), ...(family.problems?.(chosen) ?? [])];
  if (problems.length > 0) return { ok: false, errors: formatProblems(problems, source) };
  const shape = family.shape(chosen, dice(streamSeed(family.name, request.seed, 'shape')));
  // initialTasks is drawn from the load the shape starts with, a value that is not itself a parameter.
  const withInitial = drawMissing([initialTasksParameter], given.values, source, {
    ...values,
    initialLoadTasks: shape.load[0] ?? 0,
  });
  const params = Object.fromEntries(specs.map((spec) => [spec.name, withInitial[spec.name] ?? Number.NaN]));
  return traceOf(family, request, params, shape);
}

/** The trace of a resolved request, checked by the trace schema like any file. */
function traceOf(
  family: TraceFamily,
  request: GenerateRequest,
  params: Readonly<Record<string, number>>,
  shape: Shape,
): GenerateResult {
  const throughput = params.taskThroughputPerSecond ?? 1;
  const partitions = params.partitions ?? 1;
  const name = request.name ?? `${family.name}-${request.seed}`;
  const result = TraceSchema.safeParse({
    name,
    description: `${family.summary}. Generated: family ${family.name}, seed ${request.seed}; ${Object.entries(params)
      .map(([key, value]) => `${key} ${value}`)
      .join(', ')}`,
    stepSeconds: params.stepSeconds,
    taskThroughputPerSecond: throughput,
    initialTasks: params.initialTasks,
    topics: [{ name: GENERATED_TOPIC, partitions, ...(shape.skew === undefined ? {} : { skew: shape.skew }) }],
    production: { [GENERATED_TOPIC]: shape.load.map((load) => roundSignificant(load * throughput, 4)) },
    poisoned: (shape.poisoned ?? []).map((poison) => ({ topic: GENERATED_TOPIC, ...poison })),
    dataGaps: shape.dataGaps ?? [],
  });
  if (result.success) return { ok: true, trace: result.data, params };
  return { ok: false, errors: formatSchemaError(result.error, { source: `generated trace ${name}` }) };
}
