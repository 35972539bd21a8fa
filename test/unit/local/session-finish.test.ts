import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { ProcessServiceCapacity } from '#local/adapters/process-service-capacity';
import { parseProfileSpec, type LoadProfile } from '#local/load-profile';
import { burstReactions, burstStartMs, finishRun, reportBurst } from '#local/session-finish';
import { hold, sample, scale } from '#support/builders/local';
import { removeTemporaryDirectories, sessionOptions, sessionRun } from '#support/builders/session';

afterAll(removeTemporaryDirectories);
afterEach(() => void vi.useRealTimers());

const profileOf = (spec: string): LoadProfile => {
  const parsed = parseProfileSpec(spec);
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  return parsed.profile;
};

/** Calm 30 s, burst 45 s, calm 60 s. */
const withBurst = { partitions: 12, profile: profileOf('calm:30@60,burst:45@600,calm:60@60') };
const flat = { partitions: 12, profile: profileOf('calm:60@60') };

describe('burstStartMs and reportBurst', () => {
  it('place the burst from when the load started, in epoch ms and in seconds from the run’s start', () => {
    const run = sessionRun(sessionOptions({ load: withBurst }));
    run.startedAtMs = 100_000;
    run.loadStartedAtMs = 101_500;
    expect(burstStartMs(run)).toBe(131_500);
    expect(reportBurst(run)).toEqual({ startSeconds: 31.5, endSeconds: 76.5 });
  });

  it.each([
    ['without load', undefined, 101_500],
    ['with a flat profile', flat, 101_500],
    ['when the producer never started', withBurst, undefined],
  ])('have no burst start %s', (_, load, loadStartedAtMs) => {
    const run = sessionRun(sessionOptions({ load }));
    run.loadStartedAtMs = loadStartedAtMs;
    expect(burstStartMs(run)).toBeUndefined();
  });

  it('report the burst from the run’s start when the producer never started', () => {
    const run = sessionRun(sessionOptions({ load: withBurst }));
    expect(reportBurst(run)).toEqual({ startSeconds: 30, endSeconds: 75 });
  });
});

describe('burstReactions', () => {
  it('measures each target on its own samples from the burst start', () => {
    const run = sessionRun(sessionOptions({ load: withBurst, intervalSeconds: 5 }));
    run.startedAtMs = 0;
    run.loadStartedAtMs = 0;
    run.samples.push(
      sample(25),
      sample(35, { decision: scale(1, 3), outcome: 'acted', desired: 3 }),
      sample(35, { target: 'pharmacy', group: 'pharmacy', decision: hold(1) }),
    );
    const [billing, pharmacy] = burstReactions(run);
    expect(billing).toMatchObject({ target: 'billing', burstStartMs: 30_000 });
    expect(billing?.scaleOut).toEqual({ atMs: 35_000, from: 1, to: 3, rule: 'drain-target' });
    expect(pharmacy).toMatchObject({ target: 'pharmacy', burstStartMs: 30_000, scaleOut: undefined });
  });

  it('measures nothing without a burst', () => {
    const run = sessionRun(sessionOptions({ load: flat }));
    run.loadStartedAtMs = run.startedAtMs;
    run.samples.push(sample(1));
    expect(burstReactions(run)).toEqual([]);
  });
});

describe('finishRun', () => {
  it('without a tick: stops the processes, keeps the (empty) samples, writes no report and says so', async () => {
    const options = sessionOptions();
    const run = sessionRun(options);
    run.processes = new ProcessServiceCapacity({
      services: [],
      logDirectory: join(run.directory, 'consumers'),
      cwd: '.',
    });
    const result = await finishRun(run);
    expect(result).toEqual({
      reportPath: undefined,
      reactions: [],
      samples: [],
      pids: [],
      ticks: 0,
      partitions: undefined,
    });
    expect(readFileSync(join(run.directory, 'samples.json'), 'utf8')).toBe('[]\n');
    expect(options.lines.join('')).toBe(
      [
        'stopping 0 consumer process(es) (SIGTERM, then SIGKILL after 15 s)...',
        '',
        'no tick completed: no report written',
        `logs, state and metrics: ${run.directory}`,
        '',
      ].join('\n'),
    );
  });

  it('after ticks with a burst: stops the producer, writes samples and report, prints the reactions', async () => {
    // The report's charts span the run's start to the finish: a run of two minutes from 0.
    vi.useFakeTimers({ now: 120_000, toFake: ['Date'] });
    const options = sessionOptions({ load: withBurst, settings: { 'tick interval': '1 s' } });
    const run = sessionRun(options);
    let stopped = false;
    run.producer = { produced: () => 0, stop: async () => void (stopped = true) };
    run.startedAtMs = 0;
    run.loadStartedAtMs = 0;
    run.ticks = 2;
    run.partitions = 12;
    const pharmacy = { target: 'pharmacy', group: 'pharmacy' };
    run.samples.push(
      sample(25),
      sample(25, pharmacy),
      sample(35, { decision: scale(1, 3), outcome: 'acted', desired: 3 }),
      sample(35, pharmacy),
    );
    const result = await finishRun(run);
    expect(stopped).toBe(true);
    expect(run.producer).toBeUndefined();
    expect(result).toMatchObject({ ticks: 2, partitions: 12, pids: [] });
    expect(result.reactions.map((r) => r.target)).toEqual(['billing', 'pharmacy']);
    expect(JSON.parse(readFileSync(join(run.directory, 'samples.json'), 'utf8'))).toEqual(run.samples);
    const reportPath = result.reportPath ?? '';
    expect(reportPath.startsWith(options.reportDirectory)).toBe(true);
    expect(existsSync(reportPath)).toBe(true);
    const html = readFileSync(reportPath, 'utf8');
    expect(html).toContain('profile length');
    expect(html).toContain(run.directory);
    const said = options.lines.join('');
    expect(said).toContain('stopping the producer...\n');
    expect(said).toContain('reaction to the burst (lag target 5 s of time lag):\n  ');
    expect(said).toContain(`report: ${reportPath}\n`);
  });

  it('says why the producer did not stop cleanly, and goes on', async () => {
    const options = sessionOptions();
    const run = sessionRun(options);
    run.producer = { produced: () => 0, stop: async () => Promise.reject(new Error('broker gone')) };
    await finishRun(run);
    expect(options.lines).toContain('producer: broker gone\n');
  });
});
