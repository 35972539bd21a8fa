/**
 * Trace families whose story is the load over time: silence then a dump, periodic short bursts, ramps,
 * a cycle with a spike, steady noise, step changes. Loads are in tasks' worth (production / task
 * throughput), so a family's shape reads the same at any throughput. Ranges a seed draws from are the
 * realistic ones; any value in a parameter's accepted range can be given.
 */
import type { Chosen, ParameterProblem, ParameterSpec } from './generate-params';
import { roundTo } from './generate-random';
import {
  inWindow,
  loadBetween,
  peakCap,
  perSample,
  sampleCount,
  windowProblem,
  withNoise,
  type TraceFamily,
} from './generate-shapes';

const LOAD_MAX = 100_000;
const MINUTES_MAX = 44_640;

/** A load parameter in tasks. */
function load(name: string, doc: string, drawn: string, draw: ParameterSpec['draw']): ParameterSpec {
  return { name, unit: 'tasks', doc, min: 0, max: LOAD_MAX, drawn, draw };
}

/** A time parameter in minutes (from the trace's start, or a length). */
function minutes(name: string, doc: string, drawn: string, draw: ParameterSpec['draw']): ParameterSpec {
  return { name, unit: 'minutes', doc, min: 0, max: MINUTES_MAX, drawn, draw };
}

/** `share` of the trace's duration in whole minutes. */
const ofDuration = (chosen: Chosen, share: number): number => Math.round(chosen('durationMinutes') * share);

const defined = (problems: readonly (ParameterProblem | undefined)[]): ParameterProblem[] =>
  problems.filter((problem): problem is ParameterProblem => problem !== undefined);

export const silenceDump: TraceFamily = {
  name: 'silence-dump',
  summary: 'a long silence (or a trickle), then producers flush a buffer at a high rate for a short time',
  stepSeconds: 10,
  parameters: [
    minutes('silenceMinutes', 'silence before the dump', '25-60 % of the duration', (d, c) =>
      ofDuration(c, d.uniform(0.25, 0.6)),
    ),
    {
      ...minutes('dumpMinutes', 'how long the dump lasts', '1-10, in halves', (d) => roundTo(d.uniform(1, 10), 0.5)),
      min: 0.1,
    },
    load('dumpLoadTasks', 'load during the dump', 'log-uniform 3 to min(25, 2 x partitions)', (d, c) =>
      loadBetween(d, 3, Math.min(25, 2 * c('partitions'))),
    ),
    load('trickleLoadTasks', 'load outside the dump', '0 for half the seeds, else 0.02-0.2', (d) =>
      d.chance(0.5) ? 0 : loadBetween(d, 0.02, 0.2),
    ),
  ],
  loadParameters: ['dumpLoadTasks', 'trickleLoadTasks'],
  problems: (c) => defined([windowProblem(c, 'silenceMinutes', c('silenceMinutes') + c('dumpMinutes'), 'the dump')]),
  shape: (c) => ({
    load: perSample(c, (second) =>
      inWindow(second, c('silenceMinutes'), c('dumpMinutes')) ? c('dumpLoadTasks') : c('trickleLoadTasks'),
    ),
  }),
};

export const periodicBursts: TraceFamily = {
  name: 'periodic-bursts',
  summary: 'a steady base with a short burst every few minutes (a scheduled job, a batch producer)',
  stepSeconds: 10,
  parameters: [
    load('baseLoadTasks', 'load between bursts', 'log-uniform 0.3 to max(0.5, min(4, 0.3 x partitions))', (d, c) =>
      loadBetween(d, 0.3, Math.max(0.5, Math.min(4, 0.3 * c('partitions')))),
    ),
    { ...minutes('periodMinutes', 'time from one burst to the next', '5-30', (d) => d.integer(5, 30)), min: 1 },
    {
      name: 'burstSeconds',
      unit: 's',
      doc: 'how long each burst lasts',
      min: 1,
      max: 86_400,
      integer: true,
      drawn: '20-120, a multiple of 10',
      draw: (d) => 10 * d.integer(2, 12),
    },
    load('burstLoadTasks', 'load during a burst', 'base x 3-12, at most 2 x partitions', (d, c) =>
      Math.min(2 * c('partitions'), loadBetween(d, 3 * c('baseLoadTasks'), 12 * c('baseLoadTasks'))),
    ),
    minutes('firstBurstMinute', 'when the first burst starts', '0 to one period', (d, c) =>
      d.integer(0, c('periodMinutes')),
    ),
  ],
  loadParameters: ['baseLoadTasks', 'burstLoadTasks'],
  problems: (c) =>
    c('burstSeconds') >= c('periodMinutes') * 60
      ? [
          {
            parameter: 'burstSeconds',
            message: `expected a burst shorter than the period (${c('periodMinutes') * 60} s)`,
          },
        ]
      : [],
  shape: (c) => {
    const period = c('periodMinutes') * 60;
    const first = c('firstBurstMinute') * 60;
    return {
      load: perSample(c, (second) =>
        second >= first && (second - first) % period < c('burstSeconds') ? c('burstLoadTasks') : c('baseLoadTasks'),
      ),
    };
  },
};

export const ramp: TraceFamily = {
  name: 'ramp',
  summary: 'linear ramps: up to a peak, a hold, and down (a launch, a backfill, the end of a campaign)',
  stepSeconds: 60,
  parameters: [
    load('startLoadTasks', 'load at the start', 'log-uniform 0.2-1.5', (d) => loadBetween(d, 0.2, 1.5)),
    load(
      'peakLoadTasks',
      'load at the top of the ramp',
      'log-uniform max(2, start + 1) to 60 % of partitions (>= 3)',
      (d, c) => loadBetween(d, Math.max(2, c('startLoadTasks') + 1), peakCap(c)),
    ),
    minutes(
      'rampUpMinutes',
      'minutes from start to peak (0: the trace starts at the peak)',
      '0 for 1 seed in 5, else 20-50 % of the duration',
      (d, c) => (d.chance(0.2) ? 0 : ofDuration(c, d.uniform(0.2, 0.5))),
    ),
    minutes('holdMinutes', 'minutes at the peak', '0-30 % of the duration', (d, c) => ofDuration(c, d.uniform(0, 0.3))),
    minutes(
      'rampDownMinutes',
      'minutes from peak to the end load (0: no ramp down)',
      '0 to what is left of the duration',
      (d, c) =>
        Math.max(0, Math.round((c('durationMinutes') - c('rampUpMinutes') - c('holdMinutes')) * d.uniform(0, 1))),
    ),
    load('endLoadTasks', 'load after the ramp down', 'log-uniform 0.2-1.5', (d) => loadBetween(d, 0.2, 1.5)),
  ],
  loadParameters: ['startLoadTasks', 'peakLoadTasks', 'endLoadTasks'],
  problems: (c) =>
    defined([
      windowProblem(
        c,
        'rampDownMinutes',
        c('rampUpMinutes') + c('holdMinutes') + c('rampDownMinutes'),
        'the ramp down',
      ),
    ]),
  shape: (c) => {
    const up = c('rampUpMinutes') * 60;
    const down = c('rampDownMinutes') * 60;
    const downFrom = up + c('holdMinutes') * 60;
    const between = (from: number, to: number, share: number) => from + (to - from) * Math.min(1, Math.max(0, share));
    return {
      load: perSample(c, (second) => {
        if (second < up) return between(c('startLoadTasks'), c('peakLoadTasks'), second / up);
        if (second < downFrom || down === 0) return c('peakLoadTasks');
        return between(c('peakLoadTasks'), c('endLoadTasks'), (second - downFrom) / down);
      }),
    };
  },
};

export const cycleSpike: TraceFamily = {
  name: 'cycle-spike',
  summary: 'a smooth daily-like cycle (compressed into hours) with one short spike on top',
  stepSeconds: 60,
  parameters: [
    load('minLoadTasks', 'load at the bottom of the cycle', 'log-uniform 0.2-1.5', (d) => loadBetween(d, 0.2, 1.5)),
    load(
      'maxLoadTasks',
      'load at the top of the cycle',
      'log-uniform max(2, min + 1) to 60 % of partitions (>= 3)',
      (d, c) => loadBetween(d, Math.max(2, c('minLoadTasks') + 1), peakCap(c)),
    ),
    {
      ...minutes('cycleMinutes', 'length of one cycle', '50-100 % of the duration', (d, c) =>
        ofDuration(c, d.uniform(0.5, 1)),
      ),
      min: 1,
    },
    {
      name: 'cyclePhase',
      unit: 'fraction of a cycle',
      doc: 'where in the cycle the trace starts (0: at the bottom, 0.5: at the top)',
      min: 0,
      max: 1,
      drawn: 'uniform 0-1, 2 decimals',
      draw: (d) => roundTo(d.next(), 0.01),
    },
    minutes('spikeAtMinute', 'when the spike starts', '10-85 % of the duration', (d, c) =>
      ofDuration(c, d.uniform(0.1, 0.85)),
    ),
    { ...minutes('spikeMinutes', 'how long the spike lasts', '2-10', (d) => d.integer(2, 10)), min: 0.1 },
    {
      name: 'spikeFactor',
      unit: 'x',
      doc: 'the load in force is multiplied by this during the spike',
      min: 1,
      max: 1000,
      drawn: '2-6, 1 decimal',
      draw: (d) => roundTo(d.uniform(2, 6), 0.1),
    },
  ],
  loadParameters: ['minLoadTasks', 'maxLoadTasks'],
  problems: (c) => defined([windowProblem(c, 'spikeAtMinute', c('spikeAtMinute') + c('spikeMinutes'), 'the spike')]),
  shape: (c) => {
    const cycle = c('cycleMinutes') * 60;
    const low = c('minLoadTasks');
    const high = c('maxLoadTasks');
    return {
      load: perSample(c, (second) => {
        const position = second / cycle + c('cyclePhase');
        const level = low + ((high - low) * (1 - Math.cos(2 * Math.PI * position))) / 2;
        return inWindow(second, c('spikeAtMinute'), c('spikeMinutes')) ? level * c('spikeFactor') : level;
      }),
    };
  },
};

const noisePercent = (drawn: string, draw: ParameterSpec['draw']): ParameterSpec => ({
  name: 'noisePercent',
  unit: '%',
  doc: 'each sample is the load x (1 + a uniform draw in +-this %)',
  min: 0,
  max: 100,
  drawn,
  draw,
});

export const noise: TraceFamily = {
  name: 'noise',
  summary: 'a steady load with +-X % noise per sample, and sometimes a gap in the lag reads',
  stepSeconds: 60,
  parameters: [
    load('baseLoadTasks', 'mean load', 'log-uniform 0.5 to 50 % of partitions (>= 1)', (d, c) =>
      loadBetween(d, 0.5, Math.max(1, 0.5 * c('partitions'))),
    ),
    noisePercent('5-40, whole', (d) => d.integer(5, 40)),
    minutes(
      'gapMinutes',
      'one window where the lag read is missing, stale or partial (0: none)',
      '0 for 3 seeds in 5, else 2-6',
      (d) => (d.chance(0.6) ? 0 : d.integer(2, 6)),
    ),
  ],
  loadParameters: ['baseLoadTasks'],
  problems: (c) => defined([windowProblem(c, 'gapMinutes', c('gapMinutes'), 'the data gap')]),
  shape: (c, dice) => {
    const load = withNoise(
      perSample(c, () => c('baseLoadTasks')),
      c('noisePercent'),
      dice,
    );
    if (c('gapMinutes') === 0) return { load };
    const fromSecond = 60 * dice.integer(0, c('durationMinutes') - c('gapMinutes'));
    const freshness = dice.pick(['missing', 'stale', 'partial'] as const);
    return { load, dataGaps: [{ fromSecond, untilSecond: fromSecond + c('gapMinutes') * 60, freshness }] };
  },
};

export const step: TraceFamily = {
  name: 'step',
  summary: 'load that changes in steps, up and down (a deploy that doubles traffic, a client switched off)',
  stepSeconds: 60,
  parameters: [
    {
      name: 'levels',
      unit: 'count',
      doc: 'how many levels, each held for an equal share of the trace',
      min: 1,
      max: 1000,
      integer: true,
      drawn: '3-8',
      draw: (d) => d.integer(3, 8),
    },
    load('minLoadTasks', 'lowest level', 'log-uniform 0.2-1', (d) => loadBetween(d, 0.2, 1)),
    load('maxLoadTasks', 'highest level', 'log-uniform max(2, min + 1) to 60 % of partitions (>= 3)', (d, c) =>
      loadBetween(d, Math.max(2, c('minLoadTasks') + 1), peakCap(c)),
    ),
  ],
  loadParameters: ['minLoadTasks', 'maxLoadTasks'],
  problems: (c) =>
    c('levels') > sampleCount(c)
      ? [{ parameter: 'levels', message: `expected at most one level per sample (${sampleCount(c)})` }]
      : [],
  shape: (c, dice) => {
    const low = c('minLoadTasks');
    const high = c('maxLoadTasks');
    // Each level differs from the one before by at least a quarter of the range: a step, not noise.
    const levels: number[] = [];
    for (let index = 0; index < c('levels'); index += 1) {
      const previous = levels.at(-1);
      let next = dice.uniform(low, high);
      for (
        let tries = 0;
        previous !== undefined && Math.abs(next - previous) < (high - low) / 4 && tries < 20;
        tries += 1
      )
        next = dice.uniform(low, high);
      levels.push(next);
    }
    const levelSeconds = (c('durationMinutes') * 60) / c('levels');
    return {
      load: perSample(c, (second) => levels[Math.min(levels.length - 1, Math.floor(second / levelSeconds))] ?? low),
    };
  },
};

export { noisePercent };
