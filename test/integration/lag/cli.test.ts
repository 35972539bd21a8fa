import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin } from 'kafkajs';
import { commit, createTopic, deleteRecordsBelow, produce, testKafka } from '../../support/kafka';
import { services, uniqueName } from '../../support/services';

function lagscaler(...args: string[]) {
  const result = spawnSync('node_modules/.bin/tsx', ['bin/lagscaler.ts', 'lag', ...args], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('lagscaler lag (the command line, real broker)', () => {
  const kafka = testKafka();
  let admin: Admin;
  const topic = uniqueName('patient-checkout');
  const group = uniqueName('billing');

  beforeAll(async () => {
    admin = kafka.admin();
    await admin.connect();
    await createTopic(admin, topic, 3);
    await produce(kafka, topic, [10, 10, 10]);
    await commit(kafka, group, topic, { 0: 4, 1: 10, 2: 2 });
    await deleteRecordsBelow(admin, topic, 2, 6);
  });
  afterAll(async () => {
    await admin.deleteTopics({ topics: [topic] });
    await admin.disconnect();
  });

  it('prints per-partition lag with the group line, and names records lost below the log start', () => {
    const { status, stdout } = lagscaler('--brokers', services().kafkaBrokers, '--group', group);
    expect(status).toBe(0);
    expect(stdout).toContain(`GROUP ${group}  state=Empty`);
    expect(stdout).toContain('members=0 (idle 0)  total-lag=10');
    expect(stdout).toMatch(new RegExp(`${group}\\s+${topic}\\s+0\\s+4\\s+10\\s+6\\s`));
    expect(stdout).toMatch(/2\s+2\s+10\s+4\s.*4 records lost \(deleted before consumed\)/);
  });

  it('--samples measures time lag and health over several reads', () => {
    const { status, stdout } = lagscaler(
      '--brokers',
      services().kafkaBrokers,
      '--group',
      group,
      '--samples',
      '3',
      '--interval',
      '0.5',
    );
    expect(status).toBe(0);
    expect(stdout).toMatch(/TIME-LAG\s+STATUS/);
    // Partition 1 is caught up: time lag 0 whatever the history, and its status is decided.
    expect(stdout).toMatch(new RegExp(`${group}\\s+${topic}\\s+1\\s+10\\s+10\\s+0\\s+0\\.0s\\s+OK`));
  });

  it('--json gives the same numbers as data, offsets as strings', () => {
    const { stdout } = lagscaler('--brokers', services().kafkaBrokers, '--group', group, '--json');
    const [measured] = JSON.parse(stdout) as {
      kind: string;
      lag: { summary: { totalLag: string; lostRecords: string } };
    }[];
    expect(measured?.kind).toBe('measured');
    expect(measured?.lag.summary).toMatchObject({ totalLag: '10', lostRecords: '4' });
  });

  it('an unknown group is reported as not found with exit code 2, never as zero lag', () => {
    const missing = uniqueName('no-such-group');
    const { status, stdout } = lagscaler('--brokers', services().kafkaBrokers, '--group', missing);
    expect(status).toBe(2);
    expect(stdout).toContain(`GROUP ${missing}  NOT FOUND`);
  });

  it('unreachable brokers: one clear line, no stack trace, within the timeout', () => {
    const started = Date.now();
    const { status, stderr } = lagscaler('--brokers', '127.0.0.1:1', '--group', group, '--timeout', '5');
    expect(status).toBe(1);
    expect(stderr.trim()).toMatch(/^lagscaler: cannot reach Kafka brokers 127\.0\.0\.1:1/);
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});
