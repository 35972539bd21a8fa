import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTrace, traceDurationSeconds } from '#simulator/index';

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
  ])('rejects %s with the field and what was expected', (_name, input, expected) => {
    const result = parseTrace(input, 't.json');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.join('\n')).toMatch(expected);
  });
});
