import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateTrace } from '#simulator/index';
import { loadTrace, readTraceFile, shippedTraceNames } from '../../../../bin/commands/simulate';

const dir = mkdtempSync(join(tmpdir(), 'lagscaler-simulate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readTraceFile', () => {
  it('refuses a 50 MB file from its size, before reading it', () => {
    const path = join(dir, 'huge.json');
    writeFileSync(path, '');
    truncateSync(path, 50 * 1024 * 1024); // sparse: no 50 MB written
    const started = performance.now();
    expect(() => readTraceFile(path)).toThrow(/huge\.json: the file is 50\.0 MB; expected a trace of at most 10\.0 MB/);
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('names the field of an absurd trace', () => {
    const path = join(dir, 'absurd.json');
    const trace = {
      name: 'absurd',
      stepSeconds: 60,
      taskThroughputPerSecond: 100,
      topics: [{ name: 'orders', partitions: 2e9 }],
      production: { orders: [1] },
    };
    writeFileSync(path, JSON.stringify(trace, null, 2));
    expect(() => readTraceFile(path)).toThrow(/absurd\.json:\d+: topics\[0\]\.partitions: expected at most 10000/);
  });
});

describe('loadTrace', () => {
  it('finds a shipped trace by name', () => {
    expect(loadTrace('burst').name).toBe('burst');
  });

  it('<family>:<seed> is the generated trace; corpus:<name> the corpus member', () => {
    const result = generateTrace({ family: 'noise', seed: 9 });
    expect(result.ok ? loadTrace('noise:9') : result.errors).toEqual(result.ok ? result.trace : []);
    expect(loadTrace('corpus:ramp-3').name).toBe('ramp-3');
    expect(() => loadTrace('corpus:ramp-999')).toThrow(/no trace 'ramp-999' in the corpus/);
    expect(() => loadTrace('ramps:1')).toThrow(/unknown trace family 'ramps'/);
  });

  it('names the shipped traces when the name is unknown', () => {
    expect(() => loadTrace('no-such-trace')).toThrow(
      new RegExp(`neither a file nor a shipped trace; shipped: ${shippedTraceNames().join(', ')}`),
    );
  });
});
