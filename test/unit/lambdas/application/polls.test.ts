import { describe, expect, it } from 'vitest';
import { runPolls, runTickLoop, sleepUnlessAborted } from '#application/polls';
import type { TickDependencies } from '#application/tick';
import { parseScalerConfig } from '#domain/config/scaler-config';
import type { StoredState } from '#ports/state-store';

/** In-memory ports and a fake clock: every read fails fast, so each tick is one cheap hold. */
function fakes(tickMs: number) {
  let now = 0;
  let reads = 0;
  const deps: TickDependencies = {
    reader: {
      read: async () => {
        reads += 1;
        now += tickMs;
        throw new Error('no broker in a unit test');
      },
      listGroups: async () => [],
      close: async () => undefined,
    },
    capacity: {
      describe: async () => ({ desired: 1, running: 1, pending: 0, deploymentSteady: true }),
      setDesired: async () => undefined,
    },
    store: { load: async (): Promise<StoredState<never> | undefined> => undefined, save: async () => 1 },
    metrics: { publish: async () => undefined },
    clock: { now: () => now },
    logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
  };
  const sleep = async (ms: number) => {
    now += ms;
  };
  return { deps, sleep, reads: () => reads, now: () => now };
}

const config = (pollIntervalSeconds: number) =>
  parseScalerConfig({
    kafka: { brokers: ['127.0.0.1:9092'] },
    targets: [{ group: 'billing', service: { cluster: 'hospital', service: 'billing' } }],
    pollIntervalSeconds,
  });

describe('runPolls: sub-minute polling inside one invocation', () => {
  it('ticks once when pollIntervalSeconds is 0', async () => {
    const f = fakes(100);
    const reports = await runPolls(config(0), f.deps, { remainingMs: () => 60_000 - f.now(), sleep: f.sleep });
    expect(reports).toHaveLength(1);
  });

  it('ticks every interval while time remains for another tick and a margin', async () => {
    const f = fakes(100);
    const reports = await runPolls(config(15), f.deps, { remainingMs: () => 60_000 - f.now(), sleep: f.sleep });
    // Ticks at 0, 15, 30 and 45 s; a fifth at 60 s would not fit a 60 s invocation.
    expect(reports.map((r) => r.startedAtMs)).toEqual([0, 15_000, 30_000, 45_000]);
    expect(f.reads()).toBe(4);
  });

  it('stops early when the invocation is short', async () => {
    const f = fakes(100);
    const reports = await runPolls(config(10), f.deps, { remainingMs: () => 12_000 - f.now(), sleep: f.sleep });
    expect(reports).toHaveLength(1);
  });
});

describe('runTickLoop: the one tick loop (Lambda polls and local mode)', () => {
  it('ticks every interval measured start to start: the wait is the interval less the tick', async () => {
    const f = fakes(400);
    const waits: number[] = [];
    const starts: number[] = [];
    const ticks = await runTickLoop({
      config: config(0),
      deps: f.deps,
      intervalMs: 3_000,
      shouldContinue: () => starts.length < 3,
      sleep: async (ms) => {
        waits.push(ms);
        await f.sleep(ms);
      },
      onTick: (report) => void starts.push(report.startedAtMs),
    });
    expect(ticks).toBe(3);
    expect(starts).toEqual([0, 3_000, 6_000]);
    expect(waits).toEqual([2_600, 2_600]);
  });

  it('follows a tick longer than the interval at once, then keeps the interval from that start', async () => {
    let now = 0;
    const durations = [5_000, 100, 100];
    const f = fakes(0);
    const deps = { ...f.deps, clock: { now: () => now } };
    const starts: number[] = [];
    await runTickLoop({
      config: config(0),
      deps: {
        ...deps,
        reader: {
          ...deps.reader,
          read: async () => Promise.reject(new Error(`tick ${(now += durations.shift() ?? 0)}`)),
        },
      },
      intervalMs: 2_000,
      shouldContinue: () => starts.length < 3,
      sleep: async (ms) => void (now += ms),
      onTick: (report) => void starts.push(report.startedAtMs),
    });
    // No catch-up burst: 0 (runs 5 s), at once at 5 s, then 2 s after that start.
    expect(starts).toEqual([0, 5_000, 7_000]);
  });

  it('passes the last report and the next planned start to shouldContinue', async () => {
    const f = fakes(250);
    const asked: [number, number][] = [];
    await runTickLoop({
      config: config(0),
      deps: f.deps,
      intervalMs: 1_000,
      shouldContinue: (last, nextStartMs) => {
        asked.push([last.durationMs, nextStartMs]);
        return asked.length < 2;
      },
      sleep: f.sleep,
    });
    expect(asked).toEqual([
      [250, 1_000],
      [250, 2_000],
    ]);
  });

  it('runs no tick when the signal has already aborted', async () => {
    const f = fakes(100);
    const controller = new AbortController();
    controller.abort();
    const ticks = await runTickLoop({ config: config(0), deps: f.deps, intervalMs: 1_000, signal: controller.signal });
    expect(ticks).toBe(0);
    expect(f.reads()).toBe(0);
  });

  it('finishes the tick in progress when the signal aborts during it, then stops without waiting', async () => {
    const f = fakes(100);
    const controller = new AbortController();
    const seen: number[] = [];
    const ticks = await runTickLoop({
      config: config(0),
      deps: {
        ...f.deps,
        reader: { ...f.deps.reader, read: (groups) => (controller.abort(), f.deps.reader.read(groups)) },
      },
      intervalMs: 60_000,
      signal: controller.signal,
      onTick: (report) => void seen.push(report.startedAtMs),
    });
    expect(ticks).toBe(1);
    expect(seen).toEqual([0]);
  });

  it('stops when the signal aborts during the wait (the default sleep is cut short, no further tick)', async () => {
    const f = fakes(100);
    const controller = new AbortController();
    const startedMs = Date.now();
    const ticks = await runTickLoop({
      config: config(0),
      deps: f.deps,
      intervalMs: 60_000,
      signal: controller.signal,
      onTick: () => void setTimeout(() => controller.abort(), 20),
    });
    expect(ticks).toBe(1);
    expect(Date.now() - startedMs).toBeLessThan(5_000);
  });

  it('ends with the error when onTick throws', async () => {
    const f = fakes(100);
    await expect(
      runTickLoop({
        config: config(0),
        deps: f.deps,
        intervalMs: 1_000,
        sleep: f.sleep,
        onTick: () => {
          throw new Error('view failed');
        },
      }),
    ).rejects.toThrow('view failed');
    expect(f.reads()).toBe(1);
  });
});

describe('sleepUnlessAborted', () => {
  it('resolves at once when the signal has already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const startedMs = Date.now();
    await sleepUnlessAborted(60_000, controller.signal);
    expect(Date.now() - startedMs).toBeLessThan(1_000);
  });

  it('resolves after the time without a signal', async () => {
    const startedMs = Date.now();
    await sleepUnlessAborted(30);
    expect(Date.now() - startedMs).toBeGreaterThanOrEqual(25);
  });
});
