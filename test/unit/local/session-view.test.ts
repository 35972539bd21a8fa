import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { parseProfileSpec, type LoadProfile } from '#local/load-profile';
import { phaseAt, showView, startViewTimer, viewStateOf } from '#local/session-view';
import { sample } from '#support/builders/local';
import { removeTemporaryDirectories, sessionOptions, sessionRun } from '#support/builders/session';

afterAll(removeTemporaryDirectories);
afterEach(() => void vi.useRealTimers());

const profileOf = (spec: string): LoadProfile => {
  const parsed = parseProfileSpec(spec);
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  return parsed.profile;
};

const profile = profileOf('calm:30@60,burst:45@600,calm:60@60');

describe('phaseAt', () => {
  it.each([
    ['the first phase at the start', 0, 'calm'],
    ['the first phase until its last millisecond', 29_999, 'calm'],
    ['the burst from 30 s', 30_000, 'burst'],
    ['the last phase', 100_000, 'calm'],
    ['done after the profile', 135_000, 'done'],
  ])('%s', (_, elapsedMs, phase) => {
    expect(phaseAt(profile, elapsedMs)).toBe(phase);
  });
});

describe('viewStateOf', () => {
  it('shows the latest sample of each target, in target order, with the run’s tick and Kafka error', () => {
    const run = sessionRun(sessionOptions({ title: 'demo', durationSeconds: 200 }));
    run.startedAtMs = 1_000;
    run.ticks = 3;
    run.lastKafkaError = 'broker gone';
    run.samples.push(
      sample(1, { lag: 10 }),
      sample(1, { target: 'pharmacy', group: 'pharmacy', lag: 20 }),
      sample(2, { lag: 11 }),
    );
    const state = viewStateOf(run, 5_000);
    expect(state.samples.map((s) => [s.target, s.lag])).toEqual([
      ['billing', 11],
      ['pharmacy', 20],
    ]);
    expect(state).toMatchObject({
      title: 'demo',
      nowMs: 5_000,
      startedAtMs: 1_000,
      durationSeconds: 200,
      tick: 3,
      kafkaError: 'broker gone',
      load: undefined,
      services: [],
      events: [],
      dryRun: false,
    });
    expect(state.serviceOf('pharmacy')).toBe('pharmacy');
    expect(state.serviceOf('radiology')).toBeUndefined();
  });

  it('shows the load phase and rate from when the producer started, and what it produced', () => {
    const run = sessionRun(sessionOptions({ load: { partitions: 12, profile } }));
    run.startedAtMs = 0;
    run.loadStartedAtMs = 2_000;
    run.producer = { produced: () => 4_321, stop: async () => undefined };
    // 31 s after the processes started is 29 s into the load: still calm.
    expect(viewStateOf(run, 31_000).load).toEqual({ phase: 'calm', ratePerSecond: 60, produced: 4_321 });
    expect(viewStateOf(run, 33_000).load).toEqual({ phase: 'burst', ratePerSecond: 600, produced: 4_321 });
  });

  it('shows no load while the producer does not run', () => {
    const run = sessionRun(sessionOptions({ load: { partitions: 12, profile } }));
    expect(viewStateOf(run, Date.now()).load).toBeUndefined();
  });
});

describe('showView and startViewTimer', () => {
  it('writes one line per call when the output is not a terminal, and never redraws between ticks', () => {
    vi.useFakeTimers();
    const options = sessionOptions();
    const run = sessionRun(options);
    run.samples.push(sample(1, { lag: 42 }));
    const stop = startViewTimer(run);
    vi.advanceTimersByTime(5_000);
    expect(options.lines).toEqual([]);
    showView(run);
    expect(options.lines).toHaveLength(1);
    // The fake timers move Date too: 5 s after the run opened.
    expect(options.lines[0]).toMatch(/^\[0:05\] tick 0 \| billing: lag=42 .*\n$/);
    stop();
  });

  it('redraws in place every second on a terminal until stopped', () => {
    vi.useFakeTimers();
    const lines: string[] = [];
    const run = sessionRun(sessionOptions({ output: { write: (text) => void lines.push(text), isTTY: true } }));
    const stop = startViewTimer(run);
    vi.advanceTimersByTime(3_000);
    expect(lines).toHaveLength(3);
    for (const frame of lines) expect(frame.startsWith('\u001b[H\u001b[2J')).toBe(true);
    expect(lines[0]).toContain('unit session');
    stop();
    vi.advanceTimersByTime(3_000);
    expect(lines).toHaveLength(3);
  });
});
