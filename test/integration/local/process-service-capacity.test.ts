import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ProcessServiceCapacity, type TaskCommand } from '#local/adapters/process-service-capacity';
import { eventually } from '../../support/services';

const service = { cluster: 'local', service: 'billing' };

/** A stand-in task that logs like consumer/ does: joined after `joinMs`, exits 0 on SIGTERM. */
const fakeConsumer = (joinMs: number): TaskCommand => ({
  command: process.execPath,
  args: [
    '-e',
    `process.on('SIGTERM', () => process.exit(0));
     setTimeout(() => console.log(JSON.stringify({ message: 'partitions assigned', state: 'running', processed: 0, partitions: ['t:0'] })), ${joinMs});
     setInterval(() => {}, 1000);`,
  ],
});
const crashOnStart: TaskCommand = {
  command: process.execPath,
  args: ['-e', 'console.error("bad flag"); process.exit(2)'],
};

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('ProcessServiceCapacity (real child processes)', () => {
  let capacity: ProcessServiceCapacity | undefined;
  afterEach(async () => {
    await capacity?.stopAll();
  });

  it('counts a task as pending until it joins, then running; scales out and in; stops every process', async () => {
    capacity = new ProcessServiceCapacity({
      services: [{ ref: service, initialDesired: 1, launch: () => fakeConsumer(300) }],
      logDirectory: mkdtempSync(join(tmpdir(), 'lagscaler-tasks-')),
      cwd: process.cwd(),
    });
    capacity.start(100);
    expect(await capacity.describe(service)).toEqual({ desired: 1, running: 0, pending: 1, deploymentSteady: false });
    const c = capacity;
    await eventually('the task to join', async () => ((await c.describe(service)).running === 1 ? true : undefined), {
      timeoutMs: 10_000,
      intervalMs: 100,
    });
    expect(await capacity.describe(service)).toEqual({ desired: 1, running: 1, pending: 0, deploymentSteady: true });
    await capacity.setDesired(service, 3);
    await eventually('three running', async () => ((await c.describe(service)).running === 3 ? true : undefined), {
      timeoutMs: 10_000,
      intervalMs: 100,
    });
    expect(capacity.view()[0]?.tasks.every((t) => t.partitions.includes('t:0'))).toBe(true);
    await capacity.setDesired(service, 1);
    expect((await capacity.describe(service)).deploymentSteady).toBe(false);
    await eventually('two stopped', async () => (c.view()[0]?.tasks.length === 1 ? true : undefined), {
      timeoutMs: 10_000,
      intervalMs: 100,
    });
    await capacity.stopAll();
    expect(capacity.pids()).toHaveLength(3);
    expect(capacity.pids().filter(alive)).toEqual([]);
    expect(capacity.taskEvents().filter((e) => e.kind === 'exited')).toHaveLength(3);
  });

  it('retries a task that crashes on start with growing backoff, and never throws', async () => {
    let launches = 0;
    capacity = new ProcessServiceCapacity({
      services: [{ ref: service, initialDesired: 1, launch: () => (launches++ < 2 ? crashOnStart : fakeConsumer(50)) }],
      logDirectory: mkdtempSync(join(tmpdir(), 'lagscaler-tasks-')),
      cwd: process.cwd(),
      initialBackoffMs: 200,
    });
    capacity.start(50);
    const c = capacity;
    await eventually(
      'a task up after two crashes',
      async () => ((await c.describe(service)).running === 1 ? true : undefined),
      {
        timeoutMs: 15_000,
        intervalMs: 100,
      },
    );
    const crashes = capacity.taskEvents().filter((e) => e.kind === 'crashed-on-start');
    expect(crashes.map((e) => e.detail)).toEqual([
      'crashed on start: exit 2 (bad flag); retry in 0.2 s',
      'crashed on start: exit 2 (bad flag); retry in 0.4 s',
    ]);
    const [first, second] = crashes;
    const started = capacity.taskEvents().filter((e) => e.kind === 'started');
    // The retry after the second crash waited twice as long as after the first.
    expect((started[2]?.atMs ?? 0) - (second?.atMs ?? 0)).toBeGreaterThanOrEqual(350);
    expect((started[1]?.atMs ?? 0) - (first?.atMs ?? 0)).toBeGreaterThanOrEqual(180);
    expect(capacity.view()[0]?.consecutiveFailures).toBe(0);
  });
});
