import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, uniqueName } from '../../support/services';
import { ConsumerFleet, consumerBundle, tally } from './fleet';
import { fastGroupArgs, setUpScenario, startFleet, tearDown, waitCaughtUp, type Scenario } from './scenario';

const repoRoot = resolve(import.meta.dirname, '../../..');

/** Runs the consumer with `args` and no Kafka settings from the environment; resolves its exit code and stderr. */
async function runConsumer(args: readonly string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(resolve(repoRoot, 'node_modules/.bin/tsx'), ['consumer/main.ts', ...args], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((done) => child.once('exit', (exitCode) => done(exitCode)));
  return { code, stderr };
}

describe('consumer process', () => {
  let scenario: Scenario | undefined;
  afterEach(async () => {
    await tearDown(scenario);
    scenario = undefined;
  });

  it('exits 2 on an invalid configuration, naming each field and the fix', async () => {
    const { code, stderr } = await runConsumer(['--strategy', 'transactional', '--batch-size', 'many']);
    expect(code).toBe(2);
    expect(stderr).toContain('KAFKA_BROKERS / --brokers: required (got nothing). Fix: set KAFKA_BROKERS or --brokers');
    expect(stderr).toContain('BATCH_SIZE / --batch-size: must be a number (got "many")');
  });

  it('serves health and progress on 127.0.0.1 and reports its partitions, processed count and last commit', async () => {
    scenario = await setUpScenario('health', 3, 300);
    const port = 18_000 + Math.floor(Math.random() * 2000);
    const fleet = await startFleet(scenario, 'sync-batch', () => ['--health-port', String(port)]);
    const member = fleet.start(0);
    const health = await eventually(
      'the consumer to process all 300 records and commit every partition',
      async () => {
        const response = await fetch(`http://127.0.0.1:${port}/health`);
        const body = (await response.json()) as {
          state: string;
          processed: number;
          partitions: string[];
          lastCommit?: { offsets: Record<string, string> };
        };
        // Processed counts each record at once; the commit of the last chunk follows it.
        const committed = Object.keys(body.lastCommit?.offsets ?? {}).length;
        return response.status === 200 && body.processed === 300 && committed === 3 ? body : undefined;
      },
      { timeoutMs: 60_000 },
    );
    expect(health.state).toBe('running');
    expect(health.partitions).toHaveLength(3);
    expect(Object.values(health.lastCommit?.offsets ?? {})).toEqual(['100', '100', '100']);
    const { code } = await fleet.terminate(member);
    expect(code).toBe(0);
  });

  it('runs the hospital example: billing, housekeeping and pharmacy each consume every checkout with their own offsets', async () => {
    scenario = await setUpScenario('hospital', 3, 300);
    const current = scenario;
    const entry = await consumerBundle();
    const fleets = (['billing', 'housekeeping', 'pharmacy'] as const).map((department) => {
      const group = uniqueName(department);
      mkdirSync(`${current.dir}/${department}`);
      const fleet = new ConsumerFleet(
        `${current.dir}/${department}`,
        () => [
          ...['--brokers', current.brokers, '--topic', current.topic, '--department', department, '--group', group],
          ...fastGroupArgs,
        ],
        entry,
      );
      fleet.start(0);
      return { department, group, fleet };
    });
    try {
      for (const { group } of fleets) await waitCaughtUp({ ...current, group }, 60_000);
      for (const { fleet } of fleets) await fleet.stopAll();
      for (const { fleet } of fleets) {
        const result = tally(300, fleet.processedIds());
        expect(result.missing).toEqual([]);
        expect(result.duplicates).toBe(0);
      }
    } finally {
      for (const { fleet } of fleets) await fleet.destroy();
    }
  });
});
