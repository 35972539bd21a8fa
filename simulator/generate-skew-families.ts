/**
 * Trace families whose story is one partition: a hot key one task can drain, a hot key no task can
 * drain, a hot key that moves between partitions, a poisoned partition. Hot keys use the trace's skew
 * over time, so a key can turn hot and cool down again.
 */
import type { Chosen, ParameterProblem, ParameterSpec } from './generate-params';
import {
  evenWeights,
  hotWeights,
  inWindow,
  loadBetween,
  perSample,
  windowProblem,
  withNoise,
  type Shape,
  type TraceFamily,
} from './generate-shapes';
import { noisePercent } from './generate-families';

const LOAD_MAX = 100_000;
const MINUTES_MAX = 44_640;
/** Skew weights a generated trace may carry (changes x partitions), to stay small in memory. */
const SKEW_WEIGHTS_MAX = 1_000_000;

const restLoad = (extra = ''): ParameterSpec => ({
  name: 'baseLoadTasks',
  unit: 'tasks',
  doc: `load of the other partitions together${extra}`,
  min: 0,
  max: LOAD_MAX,
  drawn: 'log-uniform 0.5 to 40 % of partitions (>= 1)',
  draw: (d, c) => loadBetween(d, 0.5, Math.max(1, 0.4 * c('partitions'))),
});

const partitionParameter = (name: string, doc: string): ParameterSpec => ({
  name,
  unit: 'partition',
  doc,
  min: 0,
  max: 9_999,
  integer: true,
  drawn: '0 to partitions - 1',
  draw: (d, c) => d.integer(0, c('partitions') - 1),
});

const minutes = (name: string, doc: string, drawn: string, draw: ParameterSpec['draw']): ParameterSpec => ({
  name,
  unit: 'minutes',
  doc,
  min: 0,
  max: MINUTES_MAX,
  integer: true,
  drawn,
  draw,
});

/** The named partition exists, and a hot key needs another partition beside it. */
function partitionProblems(c: Chosen, parameter: string, needsOthers: boolean): ParameterProblem[] {
  if (c(parameter) >= c('partitions'))
    return [{ parameter, message: `expected a partition below partitions (${c('partitions')})` }];
  if (needsOthers && c('partitions') < 2)
    return [{ parameter: 'partitions', message: 'expected at least 2 partitions for a hot key' }];
  return [];
}

/** A hot key from `hotFromMinute` for `hotMinutes`: the topic carries base + hot load, skewed to it. */
function hotKeyShape(c: Chosen): Shape {
  const partitions = c('partitions');
  const from = c('hotFromMinute');
  const until = from + c('hotMinutes');
  const base = c('baseLoadTasks');
  const hot = c('hotLoadTasks');
  const skew = [{ fromSecond: from * 60, weights: hotWeights(partitions, c('hotPartition'), hot, base) }];
  if (until < c('durationMinutes')) skew.push({ fromSecond: until * 60, weights: evenWeights(partitions) });
  return { load: perSample(c, (second) => (inWindow(second, from, c('hotMinutes')) ? base + hot : base)), skew };
}

/** A hot-key family; the two differ in how hot the key gets and how long it stays hot. */
function hotKeyFamily(options: {
  readonly name: string;
  readonly summary: string;
  readonly hot: { readonly drawn: string; readonly low: number; readonly high: number };
  readonly minutes: { readonly drawn: string; readonly draw: ParameterSpec['draw'] };
}): TraceFamily {
  return {
    name: options.name,
    summary: options.summary,
    stepSeconds: 60,
    parameters: [
      restLoad(),
      {
        name: 'hotLoadTasks',
        unit: 'tasks',
        doc: 'load of the hot partition alone (1 = all one task can process)',
        min: 0,
        max: LOAD_MAX,
        drawn: options.hot.drawn,
        draw: (d) => loadBetween(d, options.hot.low, options.hot.high),
      },
      partitionParameter('hotPartition', 'the partition of the hot key'),
      minutes('hotFromMinute', 'when the key turns hot', '0 for 1 seed in 4, else 5-40 % of the duration', (d, c) =>
        d.chance(0.25) ? 0 : Math.round(c('durationMinutes') * d.uniform(0.05, 0.4)),
      ),
      {
        ...minutes(
          'hotMinutes',
          'how long it stays hot (to the end at most)',
          options.minutes.drawn,
          options.minutes.draw,
        ),
        min: 1,
      },
    ],
    loadParameters: ['baseLoadTasks', 'hotLoadTasks'],
    problems: (c) => [
      ...partitionProblems(c, 'hotPartition', true),
      ...[windowProblem(c, 'hotMinutes', c('hotFromMinute') + c('hotMinutes'), 'the hot key')].filter(
        (problem): problem is ParameterProblem => problem !== undefined,
      ),
    ],
    shape: (c) => hotKeyShape(c),
  };
}

const rest = (c: Chosen) => c('durationMinutes') - c('hotFromMinute');

export const hotKeyDrainable = hotKeyFamily({
  name: 'hot-key-drainable',
  summary: 'one partition turns hot with a share one task can still drain (a big customer, a popular key)',
  hot: { drawn: 'log-uniform 0.3-0.85', low: 0.3, high: 0.85 },
  minutes: {
    drawn: '30 minutes to the end of the trace',
    draw: (d, c) => d.integer(Math.min(30, rest(c)), rest(c)),
  },
});

export const hotKeyUndrainable = hotKeyFamily({
  name: 'hot-key-undrainable',
  summary: 'one partition alone gets more than one task can process for a while: lag no task count can fix',
  hot: { drawn: 'log-uniform 1.1-2.5', low: 1.1, high: 2.5 },
  minutes: {
    drawn: '20-90, to the end at most',
    draw: (d, c) => Math.min(rest(c), d.integer(20, 90)),
  },
});

export const movingHotKey: TraceFamily = {
  name: 'moving-hot-key',
  summary: 'a hot key that moves to another partition every so often: skew that changes over time',
  stepSeconds: 60,
  parameters: [
    restLoad(),
    {
      name: 'hotLoadTasks',
      unit: 'tasks',
      doc: 'load of the partition that is hot at the time',
      min: 0,
      max: LOAD_MAX,
      drawn: 'log-uniform 0.3-0.9',
      draw: (d) => loadBetween(d, 0.3, 0.9),
    },
    {
      ...minutes('moveEveryMinutes', 'how long the key stays on one partition', '10-60', (d) => d.integer(10, 60)),
      min: 1,
    },
  ],
  loadParameters: ['baseLoadTasks', 'hotLoadTasks'],
  problems: (c) => {
    const changes = Math.ceil(c('durationMinutes') / c('moveEveryMinutes'));
    return [
      ...(c('partitions') < 2
        ? [{ parameter: 'partitions', message: 'expected at least 2 partitions for a hot key' }]
        : []),
      ...(changes * c('partitions') > SKEW_WEIGHTS_MAX
        ? [
            {
              parameter: 'moveEveryMinutes',
              message: `${changes} moves x ${c('partitions')} partitions = ${changes * c('partitions')} skew weights; expected at most ${SKEW_WEIGHTS_MAX}: move less often`,
            },
          ]
        : []),
    ];
  },
  shape: (c, dice) => {
    const partitions = c('partitions');
    const skew: { fromSecond: number; weights: number[] }[] = [];
    let hot = dice.integer(0, partitions - 1);
    for (let minute = 0; minute < c('durationMinutes'); minute += c('moveEveryMinutes')) {
      skew.push({
        fromSecond: minute * 60,
        weights: hotWeights(partitions, hot, c('hotLoadTasks'), c('baseLoadTasks')),
      });
      hot = (hot + dice.integer(1, partitions - 1)) % partitions;
    }
    return { load: perSample(c, () => c('baseLoadTasks') + c('hotLoadTasks')), skew };
  },
};

export const poisoned: TraceFamily = {
  name: 'poisoned',
  summary: 'a partition stops moving for a while (a poison message): lag that more tasks cannot drain',
  stepSeconds: 60,
  parameters: [
    { ...restLoad(), name: 'baseLoadTasks', doc: 'mean load of the topic' },
    noisePercent('0-10, whole', (d) => d.integer(0, 10)),
    partitionParameter('poisonedPartition', 'the partition that stops moving'),
    minutes('poisonFromMinute', 'when it stops', '10-60 % of the duration', (d, c) =>
      Math.round(c('durationMinutes') * d.uniform(0.1, 0.6)),
    ),
    minutes(
      'poisonMinutes',
      'how long it stays stuck (to the end: no recovery)',
      '15 minutes to the end of the trace',
      (d, c) => {
        const left = c('durationMinutes') - c('poisonFromMinute');
        return d.integer(Math.min(15, left), left);
      },
    ),
  ],
  loadParameters: ['baseLoadTasks'],
  problems: (c) => [
    ...partitionProblems(c, 'poisonedPartition', false),
    ...[windowProblem(c, 'poisonMinutes', c('poisonFromMinute') + c('poisonMinutes'), 'the poison')].filter(
      (problem): problem is ParameterProblem => problem !== undefined,
    ),
  ],
  shape: (c, dice) => {
    const until = c('poisonFromMinute') + c('poisonMinutes');
    return {
      load: withNoise(
        perSample(c, () => c('baseLoadTasks')),
        c('noisePercent'),
        dice,
      ),
      poisoned: [
        {
          partition: c('poisonedPartition'),
          fromSecond: c('poisonFromMinute') * 60,
          ...(until < c('durationMinutes') ? { untilSecond: until * 60 } : {}),
        },
      ],
    };
  },
};
