/**
 * What a trace family produces before it becomes a trace (load per sample in tasks, skew over time,
 * poisoned partitions, data gaps), the parameters every family shares, and small helpers the families
 * build their load curves with. Pure.
 */
import type { ParameterProblem, ParameterSpec, Chosen } from './generate-params';
import { roundSignificant, type Dice } from './generate-random';
import { traceLimits, type Trace } from './trace';

/** A family's output, in tasks' worth of load (production = load x taskThroughputPerSecond). */
export interface Shape {
  /** Load of the whole topic for each sample (tasks). */
  readonly load: readonly number[];
  /** Skew changes: weights per partition from a second on (see the trace format). */
  readonly skew?: NonNullable<Trace['topics'][number]['skew']>;
  /** Poisoned partitions of the one topic, by partition. */
  readonly poisoned?: readonly {
    readonly partition: number;
    readonly fromSecond: number;
    readonly untilSecond?: number;
  }[];
  readonly dataGaps?: Trace['dataGaps'];
}

/** A documented family of traces: a pure function of (parameters, seed) to a trace. */
export interface TraceFamily {
  readonly name: string;
  /** One line: the situation it stands for. */
  readonly summary: string;
  /** Sample length (s) when `stepSeconds` is not given. */
  readonly stepSeconds: number;
  /** Its own parameters, resolved after the common ones (and before `initialTasks`), in this order. */
  readonly parameters: readonly ParameterSpec[];
  /** Parameters in tasks of load, checked against the rate limit. */
  readonly loadParameters: readonly string[];
  /** Rules across parameters, beyond each one's range. */
  readonly problems?: (chosen: Chosen) => ParameterProblem[];
  /** The load curve and the rest, drawing anything random from `dice` (the family's shape stream). */
  readonly shape: (chosen: Chosen, dice: Dice) => Shape;
}

/** Realistic partition counts a seed picks from. */
export const partitionChoices = [6, 12, 24, 48] as const;

/** The parameters every family has, resolved first; `stepSeconds` defaults to the family's. */
export function commonParameters(stepSeconds: number): readonly ParameterSpec[] {
  return [
    {
      name: 'durationMinutes',
      unit: 'minutes',
      doc: 'length of the trace',
      min: 10,
      max: traceLimits.durationSeconds / 60,
      integer: true,
      drawn: '60-360, a multiple of 30',
      draw: (dice) => 30 * dice.integer(2, 12),
    },
    {
      name: 'stepSeconds',
      unit: 's',
      doc: 'length of one production sample (rates are constant within it)',
      min: 1,
      max: 3600,
      integer: true,
      drawn: `the family's (${stepSeconds})`,
      draw: () => stepSeconds,
    },
    {
      name: 'partitions',
      unit: 'partitions',
      doc: "the topic's partition count (the cap on useful tasks)",
      min: 1,
      max: traceLimits.partitions,
      integer: true,
      drawn: partitionChoices.join(', '),
      draw: (dice) => dice.pick(partitionChoices),
    },
    {
      name: 'taskThroughputPerSecond',
      unit: 'msg/s',
      doc: 'what one consumer task processes per second',
      min: 0.01,
      max: 1e6,
      drawn: 'log-uniform 50-2000, 2 significant digits',
      draw: (dice) => roundSignificant(dice.logUniform(50, 2000), 2),
    },
  ];
}

/** Drawn last, from the load the family produced at second 0 (`initialLoadTasks`). */
export const initialTasksParameter: ParameterSpec = {
  name: 'initialTasks',
  unit: 'tasks',
  doc: 'tasks running at second 0',
  min: 0,
  max: traceLimits.initialTasks,
  integer: true,
  drawn: 'the load at second 0 x 0.8-1.6, rounded up, 1 to partitions',
  draw: (dice, chosen) =>
    Math.min(chosen('partitions'), Math.max(1, Math.ceil(chosen('initialLoadTasks') * dice.uniform(0.8, 1.6)))),
};

/** A load parameter (tasks) drawn log-uniform between `low` and `high` tasks, 2 significant digits. */
export function loadBetween(dice: Dice, low: number, high: number): number {
  // Log-uniform needs a positive range: a load drawn from a zero base is zero (no bursts on silence).
  if (high <= 0) return 0;
  const floor = Math.max(low, high / 1000);
  return roundSignificant(dice.logUniform(floor, Math.max(floor * 1.01, high)), 2);
}

/** The highest load a seed draws for a peak: 60 % of the partitions' worth, at least 3 tasks. */
export const peakCap = (chosen: Chosen): number => Math.max(3, 0.6 * chosen('partitions'));

/** Number of samples of the trace. */
export function sampleCount(chosen: Chosen): number {
  return Math.ceil((chosen('durationMinutes') * 60) / chosen('stepSeconds'));
}

/**
 * Load per sample from a load per second: each sample's load is the mean over its seconds, so an event
 * shorter than a sample is not lost between two samples.
 */
export function perSample(chosen: Chosen, loadAtSecond: (second: number) => number): number[] {
  const stepSeconds = chosen('stepSeconds');
  const durationSeconds = chosen('durationMinutes') * 60;
  return Array.from({ length: sampleCount(chosen) }, (_, index) => {
    const from = index * stepSeconds;
    const until = Math.min(from + stepSeconds, Math.max(durationSeconds, from + 1));
    let sum = 0;
    for (let second = from; second < until; second += 1) sum += loadAtSecond(second);
    return sum / (until - from);
  });
}

/** Whether `second` falls in the window starting at `fromMinute` and lasting `minutes`. */
export function inWindow(second: number, fromMinute: number, minutes: number): boolean {
  return second >= fromMinute * 60 && second < (fromMinute + minutes) * 60;
}

/** Weights for one hot partition carrying `hotLoad` tasks and the others sharing `restLoad` evenly. */
export function hotWeights(partitions: number, hot: number, hotLoad: number, restLoad: number): number[] {
  // No load at all: nothing to skew (and weights may not all be 0).
  if (hotLoad + restLoad <= 0) return evenWeights(partitions);
  const other = partitions > 1 ? restLoad / (partitions - 1) : 0;
  const weights = Array.from({ length: partitions }, (_, index) =>
    roundSignificant(index === hot ? hotLoad : other, 4),
  );
  // Loads too small to survive rounding are no load at all: even weights, as above.
  return weights.some((weight) => weight > 0) ? weights : evenWeights(partitions);
}

/** Even weights (all 1). */
export function evenWeights(partitions: number): number[] {
  return Array.from({ length: partitions }, () => 1);
}

/** Multiplies each sample by 1 + a uniform draw in +-`percent` %. */
export function withNoise(load: readonly number[], percent: number, dice: Dice): number[] {
  return load.map((value) => value * (1 + (percent / 100) * dice.uniform(-1, 1)));
}

/** A problem when a window does not fit inside the trace. */
export function windowProblem(
  chosen: Chosen,
  parameter: string,
  endMinute: number,
  what: string,
): ParameterProblem | undefined {
  const duration = chosen('durationMinutes');
  return endMinute > duration
    ? { parameter, message: `${what} ends at minute ${endMinute}, after the trace (durationMinutes ${duration})` }
    : undefined;
}
