/**
 * The local run's load profile: production rate over time as phases (calm -> burst -> calm), from a
 * short spec, a JSON profile file, or a simulator trace. Parsing is pure: text in, profile or
 * errors that name the line and the field out.
 */
import * as z from 'zod';
import { formatSchemaError, parseJsonText } from '#domain/config/schema-issues';
import { parseTrace, type Trace } from '#simulator/trace';

/** A stretch of constant production. */
export interface LoadPhase {
  readonly name: string;
  readonly seconds: number;
  /** Records per second for the whole topic. */
  readonly ratePerSecond: number;
}

/** Phases in order; after the last one production stops. */
export interface LoadProfile {
  readonly phases: readonly LoadPhase[];
}

export type ProfileParseResult =
  { readonly ok: true; readonly profile: LoadProfile } | { readonly ok: false; readonly errors: readonly string[] };

/** The demo's default: one calm minute-ish, a burst, and calm again long enough to scale back in. */
export const defaultProfileSpec = 'calm:30@60,burst:45@600,calm:135@60';

const PhaseSchema = z.strictObject({
  name: z.string({ error: 'expected the phase name (a string)' }).min(1, { error: 'expected a non-empty name' }),
  seconds: z.number({ error: 'expected seconds (a number > 0)' }).positive({ error: 'expected seconds > 0' }),
  ratePerSecond: z
    .number({ error: 'expected ratePerSecond (records per second, a number >= 0)' })
    .nonnegative({ error: 'expected ratePerSecond >= 0' })
    .max(100_000, { error: 'expected ratePerSecond <= 100000 (a local broker and producer cannot do more)' }),
});

const ProfileSchema = z.strictObject({
  phases: z.array(PhaseSchema).min(1, { error: 'expected at least one phase' }),
});

/**
 * Parses `name:seconds@rate,...`, e.g. `calm:30@60,burst:60@600,calm:90@60`. Errors name the
 * phase (1-based) and the part that is wrong.
 */
export function parseProfileSpec(spec: string): ProfileParseResult {
  const errors: string[] = [];
  const phases: LoadPhase[] = [];
  const parts = spec.split(',').map((part) => part.trim());
  parts.forEach((part, index) => {
    const match = /^([A-Za-z][\w-]*):(\d+(?:\.\d+)?)s?@(\d+(?:\.\d+)?)$/.exec(part);
    const name = match?.[1];
    const seconds = Number(match?.[2]);
    const rate = Number(match?.[3]);
    if (name === undefined || !(seconds > 0) || !(rate >= 0)) {
      errors.push(
        `profile phase ${index + 1} '${part}': expected name:seconds@ratePerSecond with seconds > 0, e.g. burst:60@600`,
      );
      return;
    }
    phases.push({ name, seconds, ratePerSecond: rate });
  });
  return errors.length > 0 ? { ok: false, errors } : { ok: true, profile: { phases } };
}

/**
 * Parses a profile file: a JSON profile (`{"phases": [{"name", "seconds", "ratePerSecond"}]}`) or a
 * simulator trace (detected by its `stepSeconds`), which `fromTrace` turns into phases.
 */
export function parseProfileFile(
  text: string,
  source: string,
  fromTrace: (trace: Trace) => LoadProfile = (trace) => profileFromTrace(trace, {}),
): ProfileParseResult {
  const json = parseJsonText(text, source);
  if (!json.ok) return { ok: false, errors: [json.problem] };
  const raw = json.value;
  if (typeof raw === 'object' && raw !== null && 'stepSeconds' in raw) {
    const trace = parseTrace(text, source);
    return trace.ok ? { ok: true, profile: fromTrace(trace.trace) } : trace;
  }
  const result = ProfileSchema.safeParse(raw);
  if (result.success) return { ok: true, profile: result.data };
  return {
    ok: false,
    errors: formatSchemaError(result.error, {
      source,
      text,
      unknownFieldsFix: 'expected name, seconds, ratePerSecond',
    }),
  };
}

/**
 * A simulator trace as phases: each production sample (all topics summed) becomes one phase of
 * `stepSeconds` (compressed time: traces are hours long), its rate scaled so the trace's peak is
 * `peakRatePerSecond`.
 */
export function profileFromTrace(
  trace: Trace,
  options: { readonly stepSeconds?: number; readonly peakRatePerSecond?: number },
): LoadProfile {
  const first = trace.topics[0];
  const length = first === undefined ? 0 : (trace.production[first.name]?.length ?? 0);
  const totals = Array.from({ length }, (_, i) =>
    trace.topics.reduce((sum, topic) => sum + (trace.production[topic.name]?.[i] ?? 0), 0),
  );
  const peak = Math.max(...totals, 0);
  const scale = options.peakRatePerSecond === undefined || peak === 0 ? 1 : options.peakRatePerSecond / peak;
  return {
    phases: totals.map((total, i) => ({
      name: `${trace.name}#${i + 1}`,
      seconds: options.stepSeconds ?? 10,
      ratePerSecond: Math.round(total * scale),
    })),
  };
}

/** Length of the profile in seconds. */
export function profileSeconds(profile: LoadProfile): number {
  return profile.phases.reduce((sum, phase) => sum + phase.seconds, 0);
}

/** The production rate `elapsedMs` after the start; 0 after the last phase. */
export function rateAt(profile: LoadProfile, elapsedMs: number): number {
  let end = 0;
  for (const phase of profile.phases) {
    end += phase.seconds * 1000;
    if (elapsedMs < end) return phase.ratePerSecond;
  }
  return 0;
}

/**
 * The burst: the first phase with the highest rate, when it is higher than the phase before it
 * (offsets in seconds from the start). Undefined for a flat profile.
 */
export function burstOf(
  profile: LoadProfile,
): { readonly startSeconds: number; readonly endSeconds: number; readonly ratePerSecond: number } | undefined {
  const peak = Math.max(...profile.phases.map((p) => p.ratePerSecond));
  let start = 0;
  for (const [index, phase] of profile.phases.entries()) {
    if (phase.ratePerSecond === peak) {
      const before = profile.phases[index - 1];
      if (before === undefined || before.ratePerSecond >= peak) return undefined;
      return { startSeconds: start, endSeconds: start + phase.seconds, ratePerSecond: peak };
    }
    start += phase.seconds;
  }
  return undefined;
}
