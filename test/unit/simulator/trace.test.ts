import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTrace, traceDurationSeconds, traceLimits, traceSizeProblem } from '#simulator/index';

const tracesDir = join(import.meta.dirname, '..', '..', '..', 'simulator', 'traces');

const valid = {
  name: 't',
  stepSeconds: 60,
  taskThroughputPerSecond: 100,
  topics: [{ name: 'orders', partitions: 3 }],
  production: { orders: [10, 20, 30] },
};
const text = (value: unknown) => JSON.stringify(value, null, 2);

describe('parseTrace', () => {
  it.each(readdirSync(tracesDir).filter((file) => file.endsWith('.json')))('parses the shipped trace %s', (file) => {
    const result = parseTrace(readFileSync(join(tracesDir, file), 'utf8'), file);
    expect(result.ok ? [] : result.errors).toEqual([]);
  });

  it('applies defaults and computes the duration', () => {
    const result = parseTrace(text(valid), 't.json');
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.trace).toMatchObject({ initialTasks: 1, poisoned: [], dataGaps: [] });
    expect(traceDurationSeconds(result.trace)).toBe(180);
  });

  it.each<[string, string, RegExp]>([
    ['broken JSON', '{\n  "name": "t",\n  "stepSeconds": ,\n}', /t\.json: not valid JSON at line 3, column \d+/],
    [
      'a missing field',
      text({ ...valid, taskThroughputPerSecond: undefined }),
      /taskThroughputPerSecond: expected taskThroughputPerSecond/,
    ],
    [
      'a negative rate',
      text({ ...valid, production: { orders: [10, -5, 30] } }),
      /t\.json:\d+: production\.orders\[1\]: expected a production rate >= 0/,
    ],
    [
      'a rate that is not a number',
      text({ ...valid, production: { orders: [10, 'x', 30] } }),
      /production\.orders\[1\]: expected a production rate/,
    ],
    [
      'weights of the wrong length',
      text({ ...valid, topics: [{ name: 'orders', partitions: 3, weights: [1, 2] }] }),
      /topics\[0\]\.weights: expected 3 weights \(one per partition\), got 2/,
    ],
    [
      'production for an unknown topic',
      text({ ...valid, production: { orders: [1], payments: [1] } }),
      /production\.payments: no topic named 'payments'/,
    ],
    ['a topic without production', text({ ...valid, production: {} }), /expected a rate array for topic 'orders'/],
    [
      'a poisoned partition out of range',
      text({ ...valid, poisoned: [{ topic: 'orders', partition: 3, fromSecond: 0 }] }),
      /poisoned\[0\]\.partition: expected a partition below 3/,
    ],
    ['an unknown field', text({ ...valid, stepSecs: 60 }), /unknown field\(s\) 'stepSecs'/],
    [
      'a bad freshness',
      text({ ...valid, dataGaps: [{ fromSecond: 0, freshness: 'late' }] }),
      /dataGaps\[0\]\.freshness: expected 'missing', 'stale' or 'partial'/,
    ],
    [
      'zero partitions',
      text({ ...valid, topics: [{ name: 'orders', partitions: 0 }] }),
      /topics\[0\]\.partitions: expected the partition count/,
    ],
    [
      'skew weights of the wrong length',
      text({ ...valid, topics: [{ name: 'orders', partitions: 3, skew: [{ fromSecond: 60, weights: [1, 2] }] }] }),
      /topics\[0\]\.skew\[0\]\.weights: expected 3 weights \(one per partition\), got 2/,
    ],
    [
      'negative skew weights',
      text({ ...valid, topics: [{ name: 'orders', partitions: 3, skew: [{ fromSecond: 60, weights: [1, -2, 1] }] }] }),
      /topics\[0\]\.skew\[0\]\.weights\[1\]: expected a weight >= 0/,
    ],
    [
      'skew weights all zero',
      text({ ...valid, topics: [{ name: 'orders', partitions: 3, skew: [{ fromSecond: 60, weights: [0, 0, 0] }] }] }),
      /topics\[0\]\.skew\[0\]\.weights: expected at least one weight > 0/,
    ],
    [
      'skew changes out of order',
      text({
        ...valid,
        topics: [
          {
            name: 'orders',
            partitions: 3,
            skew: [
              { fromSecond: 120, weights: [1, 1, 1] },
              { fromSecond: 60, weights: [1, 2, 1] },
            ],
          },
        ],
      }),
      /topics\[0\]\.skew\[1\]\.fromSecond: expected seconds in increasing order: 60 comes after 120/,
    ],
    [
      'a skew change after the end of the trace',
      text({ ...valid, topics: [{ name: 'orders', partitions: 3, skew: [{ fromSecond: 180, weights: [1, 1, 1] }] }] }),
      /topics\[0\]\.skew\[0\]\.fromSecond: expected a second inside the trace \(below its duration, 180 s\)/,
    ],
  ])('rejects %s with the field and what was expected', (_name, input, expected) => {
    const result = parseTrace(input, 't.json');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.join('\n')).toMatch(expected);
  });
});

describe('size limits: absurd traces fail fast, naming the field', () => {
  it.each<[string, unknown, RegExp]>([
    [
      '2e9 partitions',
      { ...valid, topics: [{ name: 'orders', partitions: 2e9 }] },
      /topics\[0\]\.partitions: expected at most 10000 partitions/,
    ],
    ['1e12 s steps', { ...valid, stepSeconds: 1e12 }, /stepSeconds: expected stepSeconds <= 86400 \(one day\)/],
    [
      'more partitions in all topics than the limit',
      {
        ...valid,
        topics: [
          { name: 'a', partitions: 6000 },
          { name: 'b', partitions: 6000 },
        ],
        production: { a: [1], b: [1] },
      },
      /topics: 12000 partitions in all topics; expected at most 10000/,
    ],
    [
      'duration x partitions over the memory budget',
      { ...valid, stepSeconds: 3600, topics: [{ name: 'orders', partitions: 2000 }], production: { orders: [1, 1] } },
      /topics: duration 7200 s x 2000 partitions = 14400000 partition-seconds; expected at most 10000000/,
    ],
    [
      'a duration over 31 days',
      { ...valid, stepSeconds: 86_400, production: { orders: Array.from({ length: 40 }, () => 1) } },
      /stepSeconds: 40 samples x stepSeconds 86400 = 3456000 s; expected at most 2678400 s/,
    ],
    [
      'too many samples',
      { ...valid, stepSeconds: 1, production: { orders: Array.from({ length: traceLimits.samples + 1 }, () => 0) } },
      /production\.orders: expected at most 100000 rate samples/,
    ],
    [
      'an absurd rate',
      { ...valid, production: { orders: [1e15] } },
      /production\.orders\[0\]: expected a production rate <= 1000000000/,
    ],
    ['absurd initial tasks', { ...valid, initialTasks: 1e9 }, /initialTasks: expected initialTasks <= 10000/],
  ])('%s', (_name, input, expected) => {
    const started = performance.now();
    const result = parseTrace(JSON.stringify(input), 't.json');
    expect(result.ok ? [] : result.errors.join('\n')).toMatch(expected);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('a text over the file limit is refused before it is parsed', () => {
    const huge = ' '.repeat(traceLimits.fileBytes + 1);
    const result = parseTrace(huge, 'huge.json');
    expect(result.ok ? [] : result.errors).toEqual([
      'huge.json: the file is 10.0 MB; expected a trace of at most 10.0 MB (see simulator/traces/README.md, "Limits")',
    ]);
  });

  it.each([
    [traceLimits.fileBytes, undefined],
    [50 * 1024 * 1024, /big\.json: the file is 50\.0 MB; expected a trace of at most 10\.0 MB/],
  ])('traceSizeProblem(%i bytes)', (bytes, expected) => {
    const problem = traceSizeProblem(bytes, 'big.json');
    if (expected === undefined) expect(problem).toBeUndefined();
    else expect(problem).toMatch(expected);
  });
});
