import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import type { TickReport } from '#application/tick';
import type { ServiceCapacity } from '#ports/service-capacity';
import { recordTick, stopOnSignalOrAfter, tickUntilStopped } from '#local/session-ticks';
import { hold } from '#support/builders/local';
import { removeTemporaryDirectories, sessionOptions, sessionRun } from '#support/builders/session';

afterAll(removeTemporaryDirectories);
afterEach(() => void vi.useRealTimers());

const oneTask: ServiceCapacity = {
  describe: async () => ({ desired: 1, running: 1, pending: 0, deploymentSteady: true }),
  setDesired: async () => undefined,
};

describe('stopOnSignalOrAfter', () => {
  it('aborts when the duration has passed', () => {
    vi.useFakeTimers();
    const stop = stopOnSignalOrAfter(new AbortController().signal, 10);
    vi.advanceTimersByTime(9_999);
    expect(stop.signal.aborted).toBe(false);
    vi.advanceTimersByTime(1);
    expect(stop.signal.aborted).toBe(true);
  });

  it('aborts with the caller’s signal, and never on its own without a duration', () => {
    vi.useFakeTimers();
    const caller = new AbortController();
    const stop = stopOnSignalOrAfter(caller.signal, undefined);
    vi.advanceTimersByTime(24 * 3600_000);
    expect(stop.signal.aborted).toBe(false);
    caller.abort();
    expect(stop.signal.aborted).toBe(true);
  });

  it('does neither once disposed', () => {
    vi.useFakeTimers();
    const caller = new AbortController();
    const stop = stopOnSignalOrAfter(caller.signal, 10);
    stop.dispose();
    vi.advanceTimersByTime(20_000);
    caller.abort();
    expect(stop.signal.aborted).toBe(false);
  });
});

describe('recordTick', () => {
  it('adds one sample per target from what the tick published, counts it and keeps its Kafka error', async () => {
    const run = sessionRun();
    await run.metrics.publish([
      { name: 'SumOffsetLag', value: 70, unit: 'Count', dimensions: { ConsumerGroup: 'pharmacy' }, timestampMs: 5 },
    ]);
    const report: TickReport = {
      startedAtMs: 5_000,
      durationMs: 40,
      kafkaError: 'request timed out',
      targets: [
        { target: 'billing', kind: 'held', decision: hold(1) },
        { target: 'pharmacy', kind: 'held', decision: hold(1) },
      ],
    };
    recordTick(run, report);
    expect(run.ticks).toBe(1);
    expect(run.lastKafkaError).toBe('request timed out');
    expect(run.samples.map((s) => [s.target, s.atMs, s.lag, s.error])).toEqual([
      ['billing', 5_000, undefined, 'request timed out'],
      ['pharmacy', 5_000, 70, 'request timed out'],
    ]);
  });
});

describe('tickUntilStopped', () => {
  it('ticks every interval until the duration: one sample per target and one view line per tick', async () => {
    const options = sessionOptions({ intervalSeconds: 0.05, durationSeconds: 0.3 });
    const run = sessionRun(options);
    const startedMs = Date.now();
    await tickUntilStopped(run, oneTask);
    expect(Date.now() - startedMs).toBeLessThan(5_000);
    expect(run.ticks).toBeGreaterThanOrEqual(2);
    expect(run.samples).toHaveLength(run.ticks * 2);
    expect(options.lines).toHaveLength(run.ticks);
    expect(options.lines.at(-1)).toContain(`tick ${run.ticks}`);
    // The broker refused every read: every target held, and the view shows why.
    expect(run.lastKafkaError).toContain('ECONNREFUSED');
    expect(run.samples.every((s) => s.outcome === 'held' && s.decision?.rule === 'no-data')).toBe(true);
    // Decisions are kept as state files in the run directory.
    expect(existsSync(join(run.directory, 'state'))).toBe(true);
    expect(readdirSync(join(run.directory, 'state')).sort()).toEqual(['billing.json', 'pharmacy.json']);
  });

  it('finishes the tick in progress and stops when the caller’s signal aborts', async () => {
    const caller = new AbortController();
    const options = sessionOptions({
      intervalSeconds: 60,
      signal: caller.signal,
      output: { write: () => caller.abort(), isTTY: false },
    });
    const run = sessionRun(options);
    await tickUntilStopped(run, oneTask);
    expect(run.ticks).toBe(1);
    expect(run.samples).toHaveLength(2);
  });
});
