/**
 * Seeded randomness for the trace generator: a small PRNG (mulberry32) and named streams, so a trace is
 * a pure function of its family, seed and parameters. Each stream is seeded from the family, the seed
 * and the stream's name, so giving one parameter does not change how the others are drawn.
 */

/** Uniform numbers in [0, 1) from a seed, the same sequence for the same seed. */
export type Random = () => number;

/** mulberry32: 32-bit state, good enough spread for drawing load shapes, and tiny. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a over the parts' text: a 32-bit seed for a named stream. */
export function streamSeed(...parts: readonly (string | number)[]): number {
  let hash = 0x811c9dc5;
  for (const char of parts.join('\u0000')) {
    hash ^= char.codePointAt(0) ?? 0;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/** Draws from one stream, in the shapes the generator needs. */
export interface Dice {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform in [low, high). */
  uniform(low: number, high: number): number;
  /** A whole number in [low, high], each equally likely. */
  integer(low: number, high: number): number;
  /** Log-uniform in [low, high): as likely to double as to halve (rates, sizes). */
  logUniform(low: number, high: number): number;
  /** One element of a non-empty list. */
  pick<T>(list: readonly [T, ...T[]]): T;
  /** True with probability `p`. */
  chance(p: number): boolean;
}

/** Dice over a seeded stream. */
export function dice(seed: number): Dice {
  const next = seededRandom(seed);
  const uniform = (low: number, high: number) => low + (high - low) * next();
  return {
    next,
    uniform,
    integer: (low, high) => Math.min(high, low + Math.floor(next() * (high - low + 1))),
    logUniform: (low, high) => Math.exp(uniform(Math.log(low), Math.log(high))),
    pick: (list) => list[Math.floor(next() * list.length)] ?? list[0],
    chance: (p) => next() < p,
  };
}

/** `value` rounded to a multiple of `step` (`step` 0.5 -> halves). */
export function roundTo(value: number, step: number): number {
  return Number((Math.round(value / step) * step).toPrecision(12));
}

/** `value` rounded to `digits` significant digits (throughputs and rates that read like real ones). */
export function roundSignificant(value: number, digits: number): number {
  return Number.isFinite(value) ? Number(value.toPrecision(digits)) : value;
}
