import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createPartitions, shareAt } from '#simulator/cluster';
import {
  familyNames,
  familyParameters,
  findFamily,
  generateTrace,
  GENERATED_TOPIC,
  traceFamilies,
  type GenerateRequest,
} from '#simulator/generate';
import { parseTrace, traceDurationSeconds, type Trace } from '#simulator/trace';

/** A generated trace, or the test fails with the generator's errors. */
function generated(request: GenerateRequest): { trace: Trace; params: Readonly<Record<string, number>> } {
  const result = generateTrace(request);
  if (!result.ok) throw new Error(result.errors.join('\n'));
  return result;
}

const rates = (trace: Trace): readonly number[] => trace.production[GENERATED_TOPIC] ?? [];
/** The topic's rate (msg/s) during the trace's minute `minute`. */
const rateAtMinute = (trace: Trace, minute: number) =>
  rates(trace)[Math.floor((minute * 60) / trace.stepSeconds)] ?? NaN;

describe('generateTrace: every family', () => {
  it.each(familyNames)('%s: seeds 1-5 give valid traces that parse back from their JSON', (family) => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const { trace } = generated({ family, seed });
      const reparsed = parseTrace(JSON.stringify(trace), `${family}-${seed}`);
      expect(reparsed.ok ? reparsed.trace : reparsed.errors).toEqual(trace);
      expect(trace.name).toBe(`${family}-${seed}`);
      expect(traceDurationSeconds(trace)).toBeGreaterThanOrEqual(3600);
      expect(traceDurationSeconds(trace)).toBeLessThanOrEqual(6 * 3600);
      expect([6, 12, 24, 48]).toContain(trace.topics[0]?.partitions);
    }
  });

  it.each(familyNames)('%s: the same seed gives the same trace, other seeds other traces', (family) => {
    expect(generated({ family, seed: 7 })).toEqual(generated({ family, seed: 7 }));
    const texts = [7, 8, 9, 10].map((seed) => JSON.stringify({ ...generated({ family, seed }).trace, name: '' }));
    expect(new Set(texts).size).toBe(4);
  });

  it.each(familyNames)('%s: the common parameters are used as given', (family) => {
    const params = {
      durationMinutes: 90,
      stepSeconds: 30,
      partitions: 12,
      taskThroughputPerSecond: 250,
      initialTasks: 3,
    };
    const { trace, params: resolved } = generated({ family, seed: 1, params });
    expect(resolved).toMatchObject(params);
    expect([traceDurationSeconds(trace), trace.stepSeconds, trace.taskThroughputPerSecond, trace.initialTasks]).toEqual(
      [5400, 30, 250, 3],
    );
    expect(trace.topics.map((topic) => topic.partitions)).toEqual([12]);
  });

  it('giving one parameter does not change how the others are drawn (one stream per parameter)', () => {
    const drawn = generated({ family: 'ramp', seed: 4 }).params;
    const withPeak = generated({ family: 'ramp', seed: 4, params: { peakLoadTasks: 5 } }).params;
    expect({ ...withPeak, peakLoadTasks: drawn.peakLoadTasks, initialTasks: drawn.initialTasks }).toEqual(drawn);
  });
});

describe('generateTrace: family parameters are respected', () => {
  const common = { durationMinutes: 120, partitions: 12, taskThroughputPerSecond: 100 };

  it('silence-dump: trickle, then the dump for its minutes, then trickle again', () => {
    const params = { ...common, silenceMinutes: 60, dumpMinutes: 5, dumpLoadTasks: 20, trickleLoadTasks: 0.1 };
    const { trace } = generated({ family: 'silence-dump', seed: 1, params });
    expect([0, 59.9, 60, 64.9, 65, 119].map((minute) => rateAtMinute(trace, minute))).toEqual([
      10, 10, 2000, 2000, 10, 10,
    ]);
  });

  it('periodic-bursts: a 30 s burst every 10 minutes from minute 2', () => {
    const params = {
      ...common,
      baseLoadTasks: 1,
      burstLoadTasks: 8,
      periodMinutes: 10,
      burstSeconds: 30,
      firstBurstMinute: 2,
    };
    const { trace } = generated({ family: 'periodic-bursts', seed: 1, params });
    const bursts = rates(trace).filter((rate) => rate === 800).length;
    expect([bursts, rateAtMinute(trace, 2), rateAtMinute(trace, 2.5), rateAtMinute(trace, 12)]).toEqual([
      36, 800, 100, 800,
    ]);
  });

  it('ramp: start, peak after the ramp up, held, then down to the end load', () => {
    const params = {
      ...common,
      startLoadTasks: 1,
      peakLoadTasks: 5,
      rampUpMinutes: 40,
      holdMinutes: 20,
      rampDownMinutes: 40,
      endLoadTasks: 2,
    };
    const { trace } = generated({ family: 'ramp', seed: 1, params });
    // A sample is the mean of its seconds: the sample of minute m is the ramp at m minutes + 29.5 s.
    expect([0, 20, 40, 59, 80, 100, 119].map((minute) => rateAtMinute(trace, minute))).toEqual([
      104.9, 304.9, 500, 500, 346.3, 200, 200,
    ]);
  });

  it('cycle-spike: bottom at phase 0, top half a cycle later, the spike multiplies the load in force', () => {
    const params = {
      ...common,
      minLoadTasks: 1,
      maxLoadTasks: 5,
      cycleMinutes: 120,
      cyclePhase: 0,
      spikeAtMinute: 90,
      spikeMinutes: 5,
      spikeFactor: 3,
    };
    const { trace } = generated({ family: 'cycle-spike', seed: 1, params });
    const calm = generated({ family: 'cycle-spike', seed: 1, params: { ...params, spikeFactor: 1 } }).trace;
    expect(rateAtMinute(trace, 0)).toBeCloseTo(100, -1);
    expect(rateAtMinute(trace, 60)).toBeCloseTo(500, -1);
    const ratios = rates(trace).map((rate, index) => Number((rate / (rates(calm)[index] ?? NaN)).toFixed(3)));
    expect(ratios.map((ratio, minute) => (ratio === 1 ? undefined : [minute, ratio])).filter(Boolean)).toEqual(
      [90, 91, 92, 93, 94].map((minute) => [minute, 3]),
    );
  });

  it.each([
    ['hot-key-drainable', 0.6],
    ['hot-key-undrainable', 1.8],
  ])(
    '%s: from its minute the hot partition alone gets hotLoadTasks, and the skew ends with the window',
    (family, hot) => {
      const params = {
        ...common,
        baseLoadTasks: 2.2,
        hotLoadTasks: hot,
        hotPartition: 4,
        hotFromMinute: 30,
        hotMinutes: 45,
      };
      const { trace } = generated({ family, seed: 1, params });
      const partition = createPartitions(trace, traceDurationSeconds(trace))[4];
      if (partition === undefined) throw new Error('no partition 4');
      const hotRate = (second: number) => rateAtMinute(trace, second / 60) * shareAt(partition, second);
      expect(hotRate(30 * 60)).toBeCloseTo(hot * 100);
      expect(hotRate(75 * 60 - 1)).toBeCloseTo(hot * 100);
      expect(hotRate(29 * 60)).toBeCloseTo(220 / 12);
      expect(hotRate(75 * 60)).toBeCloseTo(220 / 12);
      expect(trace.topics[0]?.skew?.map((change) => change.fromSecond)).toEqual([1800, 4500]);
    },
  );

  it('moving-hot-key: the hot key moves every moveEveryMinutes to another partition', () => {
    const params = { ...common, baseLoadTasks: 2, hotLoadTasks: 0.8, moveEveryMinutes: 25 };
    const { trace } = generated({ family: 'moving-hot-key', seed: 1, params });
    const skew = trace.topics[0]?.skew ?? [];
    expect(skew.map((change) => change.fromSecond)).toEqual([0, 1500, 3000, 4500, 6000]);
    const hot = skew.map((change) => change.weights.indexOf(Math.max(...change.weights)));
    hot.slice(1).forEach((partition, index) => expect(partition).not.toBe(hot[index]));
    expect(new Set(rates(trace))).toEqual(new Set([280]));
  });

  it('noise: every sample within +-noisePercent of the base', () => {
    const { trace } = generated({
      family: 'noise',
      seed: 3,
      params: { ...common, baseLoadTasks: 4, noisePercent: 25 },
    });
    for (const rate of rates(trace)) expect(Math.abs(rate - 400)).toBeLessThanOrEqual(100 + 1e-9);
    expect(new Set(rates(trace)).size).toBeGreaterThan(100);
  });

  it('poisoned: the named partition stops at its minute for its minutes; to the end means no untilSecond', () => {
    const params = { ...common, poisonedPartition: 7, poisonFromMinute: 20, poisonMinutes: 30 };
    expect(generated({ family: 'poisoned', seed: 1, params }).trace.poisoned).toEqual([
      { topic: GENERATED_TOPIC, partition: 7, fromSecond: 1200, untilSecond: 3000 },
    ]);
    const toEnd = generated({ family: 'poisoned', seed: 1, params: { ...params, poisonMinutes: 100 } }).trace.poisoned;
    expect(toEnd).toEqual([{ topic: GENERATED_TOPIC, partition: 7, fromSecond: 1200 }]);
  });

  it('step: `levels` levels of equal length within [min, max], each a real step from the last', () => {
    const params = { ...common, levels: 4, minLoadTasks: 1, maxLoadTasks: 9 };
    const { trace } = generated({ family: 'step', seed: 2, params });
    const levels = [0, 30, 60, 90].map((minute) => rateAtMinute(trace, minute));
    expect(new Set(rates(trace))).toEqual(new Set(levels));
    for (const level of levels) expect(level >= 100 && level <= 900, String(level)).toBe(true);
    levels
      .slice(1)
      .forEach((level, index) => expect(Math.abs(level - (levels[index] ?? 0))).toBeGreaterThanOrEqual(200));
  });
});

describe('generateTrace: bad requests fail fast, naming the parameter', () => {
  it.each<[string, GenerateRequest, RegExp]>([
    [
      '2e9 partitions',
      { family: 'ramp', seed: 1, params: { partitions: 2e9 } },
      /^family ramp, seed 1: partitions: expected a whole number from 1 to 10000 \(partitions\), got 2000000000$/,
    ],
    [
      '1e12 s steps',
      { family: 'noise', seed: 1, params: { stepSeconds: 1e12 } },
      /^family noise, seed 1: stepSeconds: expected a whole number from 1 to 3600/,
    ],
    [
      '1e12 minutes',
      { family: 'noise', seed: 1, params: { durationMinutes: 1e12 } },
      /durationMinutes: expected a whole number from 10 to 44640/,
    ],
    [
      'duration x partitions over the budget',
      { family: 'step', seed: 1, params: { durationMinutes: 44_640, partitions: 10_000 } },
      /durationMinutes: 44640 minutes x 10000 partitions = 26784000000 partition-seconds; expected at most 10000000/,
    ],
    [
      'too many samples',
      { family: 'noise', seed: 1, params: { durationMinutes: 2000, stepSeconds: 1, partitions: 1 } },
      /stepSeconds: 120000 samples of 1 s; expected at most 100000/,
    ],
    [
      'an absurd load',
      { family: 'noise', seed: 1, params: { baseLoadTasks: 1e5, taskThroughputPerSecond: 1e6 } },
      /baseLoadTasks: 100000 tasks x 1000000 msg\/s per task is above 1000000000 msg\/s/,
    ],
    [
      'an unknown parameter',
      { family: 'ramp', seed: 1, params: { partition: 3 } },
      /parameters: unknown field\(s\) 'partition'; expected parameters of ramp: durationMinutes, /,
    ],
    [
      'a string value',
      { family: 'ramp', seed: 1, params: { partitions: '12' } },
      /partitions: expected a whole number from 1 to 10000 \(partitions\), got "12"/,
    ],
    ['an unknown family', { family: 'ramps', seed: 1 }, /unknown trace family 'ramps'; expected one of silence-dump, /],
    ['a negative seed', { family: 'ramp', seed: -1 }, /seed: expected a whole number from 0 to 4294967295, got -1/],
    [
      'a window past the end',
      { family: 'silence-dump', seed: 1, params: { durationMinutes: 60, silenceMinutes: 58, dumpMinutes: 5 } },
      /silenceMinutes: the dump ends at minute 63, after the trace \(durationMinutes 60\)/,
    ],
    [
      'a partition that does not exist',
      { family: 'poisoned', seed: 1, params: { partitions: 6, poisonedPartition: 6 } },
      /poisonedPartition: expected a partition below partitions \(6\)/,
    ],
    [
      'a hot key on one partition',
      { family: 'hot-key-drainable', seed: 1, params: { partitions: 1, hotPartition: 0 } },
      /partitions: expected at least 2 partitions for a hot key/,
    ],
    [
      'a burst longer than its period',
      { family: 'periodic-bursts', seed: 1, params: { periodMinutes: 1, burstSeconds: 60 } },
      /burstSeconds: expected a burst shorter than the period \(60 s\)/,
    ],
  ])('%s', (_name, request, expected) => {
    const started = performance.now();
    const result = generateTrace(request);
    expect(result.ok ? 'ok' : result.errors.join('\n')).toMatch(expected);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

/** Given parameters for a family: any subset, each anywhere in a modest part of its accepted range. */
function givenParameters(family: string) {
  const found = findFamily(family);
  if (found === undefined) throw new Error(family);
  const modest: Readonly<Record<string, readonly [number, number]>> = {
    durationMinutes: [10, 480],
    stepSeconds: [1, 600],
    partitions: [1, 64],
    initialTasks: [0, 64],
  };
  const entries = familyParameters(found).map((spec) => {
    const [min, max] = modest[spec.name] ?? [spec.min, Math.min(spec.max, 200)];
    const value = spec.integer === true ? fc.integer({ min, max }) : fc.double({ min, max, noNaN: true });
    return [spec.name, value] as const;
  });
  return fc.record(Object.fromEntries(entries), { requiredKeys: [] });
}

describe('generateTrace: properties (fast-check)', () => {
  it.each(familyNames)('%s: any given parameters give a trace that parses, or errors naming a parameter', (family) => {
    const found = findFamily(family);
    const names = found === undefined ? [] : familyParameters(found).map((spec) => spec.name);
    fc.assert(
      fc.property(givenParameters(family), fc.integer({ min: 0, max: 0xffff_ffff }), (params, seed) => {
        const result = generateTrace({ family, seed, params });
        if (!result.ok) {
          for (const error of result.errors) {
            const named = new RegExp(`^family ${family}, seed ${seed}: (${names.join('|')}): `).test(error);
            expect(named, error).toBe(true);
          }
          return;
        }
        expect(parseTrace(JSON.stringify(result.trace), 'generated').ok).toBe(true);
        expect(result.params).toMatchObject(params);
      }),
      { numRuns: 25 },
    );
  });

  it.each(familyNames)('%s: any seed with realistic common parameters gives a trace', (family) => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffff_ffff }),
        fc.record({ partitions: fc.constantFrom(6, 12, 24, 48), durationMinutes: fc.integer({ min: 60, max: 360 }) }),
        (seed, params) => {
          const result = generateTrace({ family, seed, params });
          expect(result.ok ? [] : result.errors).toEqual([]);
        },
      ),
      { numRuns: 15 },
    );
  });
});

describe('simulator/traces/README.md documents the generator', () => {
  const readme = readFileSync(join(import.meta.dirname, '..', '..', '..', 'simulator', 'traces', 'README.md'), 'utf8');
  it.each(traceFamilies.map((family) => [family.name, familyParameters(family).map((spec) => spec.name)] as const))(
    '%s and its parameters',
    (family, parameters) => {
      expect(readme).toContain(`\`${family}\``);
      for (const parameter of parameters) expect(readme).toContain(`\`${parameter}\``);
    },
  );
});
