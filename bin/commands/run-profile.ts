import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseProfileFile, parseProfileSpec, profileFromTrace, type LoadProfile } from '#local/load-profile';
import { traceSizeProblem } from '#simulator/trace';
import { tracesDirectory } from './simulate';
import { describeError } from '#domain/errors';

/** How a simulator trace is squeezed into a local run. */
export interface TraceFit {
  /** Seconds each trace step lasts locally. */
  readonly stepSeconds: number;
  /** The trace's peak rate becomes this many records per second. */
  readonly peakRatePerSecond: number;
}

/**
 * The load profile a flag names: a file (JSON profile or simulator trace), a shipped trace by name
 * (`trace:burst`), or an inline spec (`calm:30@60,burst:60@600`). Throws with every problem, each
 * naming the line or phase and the field.
 */
export function loadProfile(value: string, fit: TraceFit): LoadProfile {
  const fromTrace = (trace: Parameters<typeof profileFromTrace>[0]) => profileFromTrace(trace, fit);
  const traceName = /^trace:(.+)$/.exec(value)?.[1];
  const file = traceName === undefined ? value : join(tracesDirectory, `${traceName}.json`);
  const looksLikeFile = traceName !== undefined || existsSync(value) || /\.json$/i.test(value);
  if (looksLikeFile) {
    if (!existsSync(file)) throw new Error(`profile file ${file} does not exist`);
    // Profiles and traces share the trace's size limit: a huge file fails before it is read.
    const tooLarge = traceSizeProblem(statSync(file).size, file);
    if (tooLarge !== undefined) throw new Error(`invalid load profile:\n  ${tooLarge}`);
    const result = parseProfileFile(readFileSync(file, 'utf8'), file, fromTrace);
    if (!result.ok) throw new Error(`invalid load profile:\n  ${result.errors.join('\n  ')}`);
    return result.profile;
  }
  const result = parseProfileSpec(value);
  if (!result.ok) throw new Error(`invalid load profile:\n  ${result.errors.join('\n  ')}`);
  return result.profile;
}

/** A positive number from a flag, or an error naming the flag. */
export function positiveNumber(flag: string, value: string, options: { integer?: boolean; min?: number } = {}): number {
  const n = Number(value);
  const min = options.min ?? Number.MIN_VALUE;
  if (!Number.isFinite(n) || n < min || (options.integer === true && !Number.isInteger(n))) {
    const bound = options.min === undefined ? '> 0' : `>= ${options.min}`;
    throw new Error(`${flag} must be ${options.integer ? 'a whole number' : 'a number'} ${bound}, got '${value}'`);
  }
  return n;
}

/** Policy overrides from a JSON flag value, merged over the defaults of the run. */
export function policyOverrides(json: string | undefined): Record<string, unknown> {
  if (json === undefined) return {};
  try {
    const parsed: unknown = JSON.parse(json);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
    return parsed as Record<string, unknown>;
  } catch (error) {
    throw new Error(
      `--policy must be a JSON object of policy fields, e.g. '{"drainTargetSeconds":30}' (${describeError(error)})`,
    );
  }
}
