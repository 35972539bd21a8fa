import { describe, expect, it } from 'vitest';
import { runPolls } from '#application/polls';
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
