import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  choosePort,
  isAlive,
  requireProgram,
  startDetached,
  stopGroup,
  waitUntil,
} from '../../../../tools/services/proc';

const logFile = (): string => join(mkdtempSync(join(tmpdir(), 'proc-test-')), 'service.log');

describe('dev-services process handling', () => {
  it('a service that exits while starting fails fast with the tail of its log', async () => {
    const log = logFile();
    const child = startDetached('sh', ['-c', 'echo "port already in use: 9092"; exit 3'], {
      env: process.env,
      logFile: log,
    });
    const started = Date.now();
    const failure = waitUntil('broken', async () => false, {
      timeoutMs: 10_000,
      alive: () => isAlive(child.pid ?? 0),
      logFile: log,
    });
    await expect(failure).rejects.toThrow(/broken exited while starting[\s\S]*port already in use: 9092/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('a service that never becomes healthy fails after the bound, then stopGroup leaves no process behind', async () => {
    const log = logFile();
    // A parent that starts a child of its own: both must go (no orphans).
    const child = startDetached('sh', ['-c', 'sleep 300 & echo started; wait'], { env: process.env, logFile: log });
    const pid = child.pid ?? 0;
    await expect(
      waitUntil('stuck', async () => false, { timeoutMs: 1_000, alive: () => isAlive(pid), logFile: log }),
    ).rejects.toThrow(/stuck did not become healthy within 1s/);
    await stopGroup(pid, 2_000);
    expect(isAlive(pid)).toBe(false);
    expect(() => process.kill(-pid, 0)).toThrow();
  });

  it('a taken port is replaced by a free one', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const taken = typeof address === 'object' && address ? address.port : 0;
    const chosen = await choosePort('test', taken);
    expect(chosen).not.toBe(taken);
    expect(chosen).toBeGreaterThan(0);
    server.close();
  });

  it('a missing prerequisite is named with how to install it', () => {
    expect(() => requireProgram('no-such-program-xyz', 'apt-get install xyz')).toThrow(
      "'no-such-program-xyz' is not installed or not on PATH. Install it: apt-get install xyz",
    );
  });
});
