/**
 * Network faults between the scaler and Kafka, made by Toxiproxy in front of the `kafka-faults`
 * broker (whose proxied listener advertises the proxy, so metadata and coordinator connections go
 * through it too). Each test: a warm tick, the fault for a tick or more, then ticks until normal; the
 * row it prints is measured from what the scaler did (see test/support/faults.ts).
 */
import { CreateSecretCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveKafkaConnection } from '#adapters/aws/kafka-credentials';
import { KafkajsOffsetReader } from '#adapters/kafka/kafkajs-offset-reader';
import { RenewingOffsetReader } from '#adapters/kafka/renewing-offset-reader';
import { parseScalerConfig } from '#domain/config/scaler-config';
import { runKafkaTool } from '../../../tools/services/kafka';
import {
  faultRow,
  faultTimeouts,
  faultyScaler,
  printFaultTable,
  timedSetup,
  type FaultSuiteTiming,
  startKafkaFaultEnvironment,
  type KafkaFaultEnvironment,
  type FaultRow,
  type FaultyScaler,
} from '../../support/faults';
import type { Toxic } from '../../support/toxiproxy';
import { awsClientConfig, services, uniqueName } from '../../support/services';

let env: KafkaFaultEnvironment;
let timing: FaultSuiteTiming | undefined;
const rows: FaultRow[] = [];
const scalers: FaultyScaler[] = [];

beforeAll(async () => {
  ({ value: env, timing } = await timedSetup(() => startKafkaFaultEnvironment('kafka-faults')));
}, 600_000);

afterAll(async () => {
  printFaultTable('Faults between the scaler and Kafka (npm run test:faults)', rows, timing);
  await Promise.all(scalers.map((s) => s.close()));
  await env.close();
});

async function scaler(extra: Partial<Parameters<typeof faultyScaler>[1]> = {}): Promise<FaultyScaler> {
  const created = await faultyScaler(env, { namespace: uniqueName('KLA-KafkaFaults'), ...extra });
  scalers.push(created);
  return created;
}

/** A tick under the fault: Kafka unreadable, the target holds on no data, ScalerErrors = 1, no action. */
function expectHeldOnNoData(s: FaultyScaler, report: Awaited<ReturnType<FaultyScaler['tick']>>): void {
  expect(report.kafkaError).toBeDefined();
  expect(report.targets[0]).toMatchObject({ kind: 'held', decision: { kind: 'hold', rule: 'no-data' } });
  expect(s.updates).toEqual([]);
}

/** The tick after the fault: the read works again and the backlog is scaled out, once. */
async function expectRecovered(s: FaultyScaler): Promise<void> {
  const report = await s.tick();
  expect(report.kafkaError).toBeUndefined();
  expect(report.targets[0]).toMatchObject({ kind: 'acted', decision: { kind: 'scale', from: 1, to: 4 } });
  expect(s.updates).toEqual([expect.objectContaining({ count: 4, ok: true })]);
}

describe.each([
  {
    fault: 'latency beyond the request timeout',
    injected: 'latency 3 s on every answer (request timeout 2 s)',
    toxic: { type: 'latency', attributes: { latency: 3_000 } } satisfies Toxic,
  },
  {
    fault: 'connection reset mid-request',
    injected: 'each answer cut after 64 bytes and the connection closed',
    toxic: { type: 'limit_data', attributes: { bytes: 64 } } satisfies Toxic,
  },
  {
    fault: 'a broker that stops answering',
    injected: 'no data either way, connections left open',
    toxic: { type: 'timeout', attributes: { timeout: 0 } } satisfies Toxic,
  },
])('Kafka: $fault', ({ fault, injected, toxic }) => {
  it('holds on no data within the read timeout, says so with ScalerErrors, and recovers on the next tick', async () => {
    const s = await scaler();
    expect((await s.tick()).targets[0]).toMatchObject({ kind: 'held', decision: { rule: 'settling' } });
    const started = Date.now();
    const report = await env.kafka.with(toxic, 'downstream', () => s.tick());
    expect(Date.now() - started).toBeLessThan(faultTimeouts.kafka.readTimeoutMs + 5_000);
    expectHeldOnNoData(s, report);
    await expectRecovered(s);
    const row = faultRow(s, { fault: `Kafka: ${fault}`, injected, faultTicks: 2 });
    rows.push(row);
    expect(row).toMatchObject({ wrongActions: 0, silentFailures: 0, ticksToRecover: 1 });
  });
});

describe('Kafka: a coordinator that moves (the broker restarts)', () => {
  it('holds while the broker is down and while the coordinator loads, then finds it again', async () => {
    const s = await scaler();
    await s.tick();
    // The warm reader has connections, a coordinator cache and metadata from before the restart.
    let duringRestart: Awaited<ReturnType<FaultyScaler['tick']>> | undefined;
    await env.restartBroker(async () => {
      duringRestart = await s.tick();
    });
    if (duringRestart === undefined) throw new Error('no tick ran while the broker was down');
    expectHeldOnNoData(s, duringRestart);
    const faultTicks = s.reports.length;
    let recovered = false;
    for (let i = 0; i < 10 && !recovered; i++) {
      const report = await s.tick();
      recovered = report.targets[0]?.kind === 'acted';
      if (!recovered) expect(report.targets[0]).toMatchObject({ kind: 'held' });
    }
    expect(recovered).toBe(true);
    expect(s.updates).toEqual([expect.objectContaining({ count: 4, ok: true })]);
    const row = faultRow(s, {
      fault: 'Kafka: a coordinator that moves (broker restart)',
      injected: 'the broker stopped (SIGTERM) and started again on its data',
      faultTicks,
    });
    rows.push(row);
    expect(row).toMatchObject({ wrongActions: 0, silentFailures: 0 });
    expect(row.ticksToRecover).toBeLessThanOrEqual(5);
  });
});

describe('Kafka: the SASL secret is rotated while the function is warm', () => {
  it('the reader is built again from the rotated secret on the first tick that meets the new password', async () => {
    const user = uniqueName('scaler');
    const setPassword = (password: string) =>
      runKafkaTool('kafka.admin.ConfigCommand', [
        '--bootstrap-server',
        env.directBrokers,
        '--alter',
        '--add-config',
        `SCRAM-SHA-512=[password=${password}]`,
        '--entity-type',
        'users',
        '--entity-name',
        user,
      ]);
    await setPassword('first-password');
    const secrets = new SecretsManagerClient(awsClientConfig(services().localstack));
    const secret = await secrets.send(
      new CreateSecretCommand({
        Name: uniqueName('AmazonMSK_scaler'),
        SecretString: JSON.stringify({ username: user, password: 'first-password' }),
      }),
    );
    const kafka = parseScalerConfig({
      kafka: {
        brokers: [env.kafkaSasl.address],
        auth: { type: 'sasl-scram', secretArn: secret.ARN },
      },
      targets: [{ group: 'g', service: { cluster: 'c', service: 's' } }],
    }).kafka;
    if (kafka === undefined) throw new Error('the configuration has no kafka connection');
    const renewals: string[] = [];
    const s = await scaler({
      reader: () =>
        new RenewingOffsetReader(
          async () =>
            new KafkajsOffsetReader({
              connection: {
                ...(await resolveKafkaConnection(kafka, { secrets, region: 'us-east-1' })),
                ...faultTimeouts.kafka,
              },
              clock: { now: () => Date.now() },
              readTimeoutMs: faultTimeouts.kafka.readTimeoutMs,
            }),
          (reason) => renewals.push(reason),
        ),
    });
    expect((await s.tick()).kafkaError).toBeUndefined();
    // What the function did before: one reader for the container's life, built from the first secret.
    const containerReader = new KafkajsOffsetReader({
      connection: {
        ...(await resolveKafkaConnection(kafka, { secrets, region: 'us-east-1' })),
        ...faultTimeouts.kafka,
      },
      clock: { now: () => Date.now() },
      readTimeoutMs: faultTimeouts.kafka.readTimeoutMs,
    });
    await containerReader.read([{ group: 'billing' }]);
    // Rotation: the broker and the secret get the new password; the warm connections are dropped (as
    // the broker's idle timeout would), so the next read must authenticate again.
    await setPassword('second-password');
    await secrets.send(
      new PutSecretValueCommand({
        SecretId: secret.ARN,
        SecretString: JSON.stringify({ username: user, password: 'second-password' }),
      }),
    );
    await env.kafkaSasl.disable();
    await env.kafkaSasl.enable();
    const report = await s.tick();
    expect(report.kafkaError).toBeUndefined();
    expect(report.targets[0]).toMatchObject({ kind: 'acted', decision: { from: 1, to: 4 } });
    expect(renewals).toEqual([expect.stringMatching(/authentication to Kafka failed/)]);
    // The container's reader keeps the old password: every read fails until a cold start.
    for (let i = 0; i < 2; i++) {
      await expect(containerReader.read([{ group: 'billing' }])).rejects.toThrow(/authentication to Kafka failed/);
    }
    await containerReader.close();
    const row = faultRow(s, {
      fault: 'Kafka: SASL/SCRAM secret rotated (warm function)',
      injected: 'new password on the broker and in the secret, connections dropped',
      faultTicks: 1,
    });
    rows.push({ ...row, ticksToRecover: 0 });
    expect(row).toMatchObject({ wrongActions: 0, silentFailures: 0 });
  });
});
