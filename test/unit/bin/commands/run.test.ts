import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configFrom } from '../../../../bin/commands/run';

const service = { cluster: 'hospital', service: 'svc' };
function file(config: unknown): string {
  const path = join(mkdtempSync(join(tmpdir(), 'kla-run-')), 'config.json');
  writeFileSync(path, JSON.stringify(config));
  return path;
}
const flags = { group: [], dryRun: false };

describe('lagscaler run --config', () => {
  it('takes a one-cluster file as before, the connection from the flags', () => {
    const config = configFrom(
      { ...flags, config: file({ kafka: { brokers: ['private:9096'] }, targets: [{ group: 'billing', service }] }) },
      ['127.0.0.1:9092'],
    );
    expect(config.kafka?.brokers).toEqual(['127.0.0.1:9092']);
    expect(config.targets.map((t) => t.group)).toEqual(['billing']);
  });

  const clustered = {
    kafkaClusters: { east: { brokers: ['e:9092'] }, west: { brokers: ['w:9092'] } },
    targets: [
      { group: 'billing', kafkaCluster: 'east', service },
      { group: 'pharmacy', kafkaCluster: 'west', service },
    ],
  };

  it("runs one cluster's targets of a file with several, against the flags' connection", () => {
    const config = configFrom({ ...flags, config: file(clustered), kafkaCluster: 'west' }, ['127.0.0.1:9092']);
    expect(config.kafkaClusters).toBeUndefined();
    expect(config.targets.map((t) => [t.group, t.kafkaCluster])).toEqual([['pharmacy', undefined]]);
  });

  it('asks which cluster when the file has several, and names the choices', () => {
    const path = file(clustered);
    expect(() => configFrom({ ...flags, config: path }, ['b:1'])).toThrow(
      /names 2 Kafka clusters \(east, west\); lagscaler run watches one: add --kafka-cluster <name>/,
    );
    expect(() => configFrom({ ...flags, config: path, kafkaCluster: 'north' }, ['b:1'])).toThrow(
      /--kafka-cluster north: .* has no such cluster; use one of east, west/,
    );
  });
});
