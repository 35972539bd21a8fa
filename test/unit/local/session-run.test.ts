import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fileLogger, openRun } from '#local/session-run';
import { removeTemporaryDirectories, sessionOptions, temporaryDirectory } from '#support/builders/session';

afterAll(removeTemporaryDirectories);

describe('openRun', () => {
  it('creates a directory named after the start time below the work directory, and starts empty', () => {
    const options = sessionOptions();
    const before = Date.now();
    const run = openRun(options);
    expect(dirname(run.directory)).toBe(options.workDirectory);
    expect(basename(run.directory)).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z$/);
    expect(statSync(run.directory).isDirectory()).toBe(true);
    expect(run.startedAtMs).toBeGreaterThanOrEqual(before);
    expect(run).toMatchObject({
      samples: [],
      ticks: 0,
      partitions: undefined,
      processes: undefined,
      producer: undefined,
      loadStartedAtMs: undefined,
    });
  });

  it('says lines to the output and records published metrics as JSON lines in the run directory', async () => {
    const options = sessionOptions();
    const run = openRun(options);
    run.say('[kafka] checking 127.0.0.1:9092...');
    expect(options.lines).toEqual(['[kafka] checking 127.0.0.1:9092...\n']);
    const datum = {
      name: 'SumOffsetLag',
      value: 12,
      unit: 'Count',
      dimensions: { ConsumerGroup: 'billing' },
      timestampMs: 1,
    } as const;
    await run.metrics.publish([datum]);
    expect(run.metrics.latestBatch()).toEqual([datum]);
    expect(readFileSync(join(run.directory, 'metrics.jsonl'), 'utf8')).toBe(`${JSON.stringify(datum)}\n`);
  });
});

describe('fileLogger', () => {
  it('appends one JSON line per entry, with level, time, message and fields (bigints as text)', () => {
    const file = join(temporaryDirectory(), 'scaler.log');
    const logger = fileLogger(file);
    logger.info('tick done', { target: 'billing', lag: 1200n });
    logger.error('producing failed', { error: 'broker gone' });
    expect(existsSync(file)).toBe(true);
    const lines = readFileSync(file, 'utf8')
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ level: 'INFO', message: 'tick done', target: 'billing', lag: '1200' });
    expect(lines[1]).toMatchObject({ level: 'ERROR', message: 'producing failed', error: 'broker gone' });
    expect(Number.isNaN(Date.parse(String(lines[0]?.time)))).toBe(false);
  });
});
