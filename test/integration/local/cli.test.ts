import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin, Kafka } from 'kafkajs';
import { repoRoot } from '#local/session';
import { closeCommitter, commit, createTopic, produce, testKafka } from '../../support/kafka';
import { services, uniqueName } from '../../support/services';

const run = (script: string, args: readonly string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 60_000,
  });

describe('lagscaler run and npm start: flags, faults', () => {
  let kafka: Kafka;
  let admin: Admin;
  const topic = uniqueName('patient-checkout');
  const group = uniqueName('billing');

  beforeAll(async () => {
    kafka = testKafka();
    admin = kafka.admin();
    await admin.connect();
    await createTopic(admin, topic, 4);
    await produce(kafka, topic, [500, 500, 500, 500]);
    await commit(kafka, group, topic, { 0: 0, 1: 0, 2: 0, 3: 0 });
  });
  afterAll(async () => {
    await closeCommitter(kafka);
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('run --dry-run decides and records against an external Kafka without acting, and writes a report', () => {
    const reports = mkdtempSync(join(tmpdir(), 'lagscaler-run-'));
    const result = run('bin/lagscaler.ts', [
      'run',
      '--brokers',
      services().kafkaBrokers,
      '--group',
      group,
      '--topic',
      topic,
      '--dry-run',
      '--duration',
      '5',
      '--interval',
      '2',
      '--report-dir',
      reports,
    ]);
    const output = `${result.stdout}${result.stderr}`;
    expect(result.status, output).toBe(0);
    // 2000 records behind, no member: the policy would start one, but a dry run only records it.
    expect(output).toMatch(new RegExp(`${group}: lag=2000 .* dry-run:bounds\\(0->1\\)`));
    expect(output).not.toMatch(/acted:/);
    const report = /report: (\S+\.html)/.exec(output)?.[1] ?? '';
    expect(existsSync(report)).toBe(true);
  });

  it('run names an unreachable broker clearly and exits 1', () => {
    const result = run('bin/lagscaler.ts', ['run', '--brokers', '127.0.0.1:1', '--group', group, '--duration', '3']);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/cannot reach Kafka brokers 127\.0\.0\.1:1: .*is the broker running\?/);
  });

  it('npm start rejects a bad profile file naming its line and field, before starting anything', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'lagscaler-profile-')), 'profile.json');
    writeFileSync(file, '{\n  "phases": [\n    { "name": "burst", "seconds": 0, "ratePerSecond": 600 }\n  ]\n}\n');
    const result = run('bin/start.ts', ['--profile', file]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`${file}:3: phases[0].seconds: expected seconds > 0`);
    expect(result.stdout).not.toContain('starting the embedded Kafka');
  });
});
