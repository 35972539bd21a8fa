/**
 * Faults between the scaler and AWS: Toxiproxy in front of moto (ECS, DynamoDB) and LocalStack
 * (CloudWatch), real conditional failures and unreadable items in moto's DynamoDB, and, where no real
 * component can show the fault (throttling and 5xx: moto has no fault injection), a test double in
 * the SDK's HTTP handler. Each test prints its measured row (see test/support/faults.ts).
 */
import { spawn } from 'node:child_process';
import { gunzipSync, gzipSync } from 'node:zlib';
import { GetMetricDataCommand, CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { GetItemCommand, PutItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { DescribeServicesCommand } from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LEASE_MARGIN_MS } from '#application/tick';
import type { TargetState } from '#application/target-state';
import { compactScalerConfig } from '#domain/config/scaler-config';
import { failingFirst } from '../../support/fault-injection';
import {
  faultRow,
  faultTimeouts,
  faultyScaler,
  outcomeOf,
  printFaultTable,
  timedSetup,
  type FaultSuiteTiming,
  startFaultEnvironment,
  type FaultEnvironment,
  type FaultRow,
  type FaultyScaler,
} from '../../support/faults';
import { awsClientConfig, eventually, services, uniqueName } from '../../support/services';

let env: FaultEnvironment;
let timing: FaultSuiteTiming | undefined;
const rows: FaultRow[] = [];
const scalers: FaultyScaler[] = [];

beforeAll(async () => {
  ({ value: env, timing } = await timedSetup(() => startFaultEnvironment('aws-faults')));
}, 600_000);

afterAll(async () => {
  printFaultTable('Faults between the scaler and AWS (npm run test:faults)', rows, timing);
  await Promise.all(scalers.map((s) => s.close()));
  await env.close();
});

async function scaler(extra: Partial<Parameters<typeof faultyScaler>[1]> = {}): Promise<FaultyScaler> {
  const created = await faultyScaler(env, { namespace: uniqueName('KLA-AwsFaults'), ...extra });
  scalers.push(created);
  // Warm: the settle wait starts; nothing to act on yet.
  expect((await created.tick()).targets[0]).toMatchObject({ kind: 'held', decision: { rule: 'settling' } });
  return created;
}

async function storedState(s: FaultyScaler): Promise<TargetState | undefined> {
  const item = await s.directDynamodb.send(
    new GetItemCommand({ TableName: s.table, Key: { target: { S: s.config.targets[0]?.group ?? '' } } }),
  );
  const blob = item.Item?.state?.B;
  return blob === undefined ? undefined : (JSON.parse(gunzipSync(blob).toString('utf8')) as TargetState);
}

async function desiredCount(s: FaultyScaler): Promise<number | undefined> {
  const described = await s.directEcs.send(
    new DescribeServicesCommand({ cluster: s.service.cluster, services: [s.service.service] }),
  );
  return described.services?.[0]?.desiredCount;
}

/** The next tick acts once: 1 -> 4. */
async function expectActsOnce(s: FaultyScaler): Promise<void> {
  const report = await s.tick();
  expect(report.targets[0]).toMatchObject({ kind: 'acted', decision: { from: 1, to: 4 } });
  expect(await desiredCount(s)).toBe(4);
}

function record(s: FaultyScaler, fault: Parameters<typeof faultRow>[1]): FaultRow {
  const row = faultRow(s, fault);
  rows.push(row);
  return row;
}

describe('ECS UpdateService fails', () => {
  it('connection reset on UpdateService: recorded as failed, no cooldown, acted once on the next tick', async () => {
    const s = await scaler({
      aroundUpdate: (update, n) =>
        n === 0 ? env.ecs.with({ type: 'reset_peer', attributes: { timeout: 0 } }, 'upstream', update) : update(),
    });
    const failed = await s.tick();
    expect(failed.targets[0]).toMatchObject({ kind: 'failed', decision: { from: 1, to: 4 } });
    expect((await storedState(s))?.lastDecision).toMatchObject({
      outcome: 'failed',
      error: expect.any(String) as unknown,
    });
    await expectActsOnce(s); // at once: a recorded action would have held 60 s (scale-out cooldown)
    const row = record(s, {
      fault: 'ECS: UpdateService connection reset',
      injected: 'TCP reset on every UpdateService attempt of one tick',
      faultTicks: 2,
    });
    expect(row).toMatchObject({ actions: 1, wrongActions: 0, silentFailures: 0, ticksToRecover: 1 });
    // The metric reached CloudWatch (LocalStack), where an alarm can watch it.
    const cloudwatch = new CloudWatchClient(awsClientConfig(services().localstack));
    const failures = await eventually(
      'ScalingFailures in CloudWatch',
      async () => {
        const data = await cloudwatch.send(
          new GetMetricDataCommand({
            StartTime: new Date(Date.now() - 300_000),
            EndTime: new Date(Date.now() + 60_000),
            MetricDataQueries: [
              {
                Id: 'failures',
                MetricStat: {
                  Metric: {
                    Namespace: s.config.metricsNamespace,
                    MetricName: 'ScalingFailures',
                    Dimensions: [{ Name: 'Target', Value: s.config.targets[0]?.group ?? '' }],
                  },
                  Period: 60,
                  // Maximum, not Sum: a point whose PutMetricData timed out after it arrived is sent
                  // again (SDK retry, or the sink's next publish), so a loaded LocalStack may count it twice.
                  Stat: 'Maximum',
                },
              },
            ],
          }),
        );
        return data.MetricDataResults?.[0]?.Values?.[0];
      },
      { timeoutMs: 20_000 },
    );
    expect(failures).toBe(1);
  });

  it('the answer to UpdateService is lost after ECS applied it: failed, and the next tick sees the new count', async () => {
    const s = await scaler({
      aroundUpdate: (update, n) =>
        n === 0 ? env.ecs.with({ type: 'limit_data', attributes: { bytes: 0 } }, 'downstream', update) : update(),
    });
    expect((await s.tick()).targets[0]).toMatchObject({ kind: 'failed' });
    expect(await desiredCount(s)).toBe(4);
    const next = await s.tick();
    expect(next.targets[0]).toMatchObject({ kind: 'held', decision: { kind: 'hold' } });
    expect(s.updates.filter((u) => u.ok)).toEqual([]);
    const row = record(s, {
      fault: 'ECS: UpdateService answer lost (ECS applied it)',
      injected: 'every answer to one tick’s UpdateService dropped, connection closed',
      faultTicks: 2,
    });
    expect(row).toMatchObject({ wrongActions: 0, silentFailures: 0, ticksToRecover: 1 });
  });

  it.each([
    ['throttling beyond the retry budget', 'ThrottlingException', 400, 'DescribeServices', 'error'],
    ['5xx on every UpdateService attempt', 'ServerException', 503, 'UpdateService', 'failed'],
  ] as const)('ECS %s (SDK HTTP handler test double)', async (name, errorType, status, operation, kind) => {
    const faults = failingFirst(faultTimeouts.aws.maxAttempts, errorType, status, operation, false);
    const s = await scaler({ ecsRequestHandler: faults.handler });
    faults.arm();
    const report = await s.tick();
    expect(report.targets[0]?.kind).toBe(kind);
    await expectActsOnce(s);
    const row = record(s, {
      fault: `ECS: ${name}`,
      injected: `${errorType} (${status}) on every ${operation} attempt of one tick (test double: moto cannot throttle)`,
      faultTicks: 2,
    });
    expect(row).toMatchObject({ actions: 1, wrongActions: 0, silentFailures: 0, ticksToRecover: 1 });
  });

  it('ECS 503 once, retried by the SDK: the tick acts in that same tick', async () => {
    const faults = failingFirst(1, 'ServerException', 503, 'UpdateService', false);
    const s = await scaler({ ecsRequestHandler: faults.handler });
    faults.arm();
    await expectActsOnce(s);
    const row = record(s, {
      fault: 'ECS: one 503 on UpdateService',
      injected: 'ServerException (503) once (test double), the SDK retries',
      faultTicks: 2,
    });
    expect(row).toMatchObject({ actions: 1, wrongActions: 0, silentFailures: 0 });
  });
});

describe('DynamoDB (state) faults', () => {
  it.each([
    ['latency beyond the request timeout', { type: 'latency', attributes: { latency: 3_000 } }],
    ['stops answering', { type: 'timeout', attributes: { timeout: 0 } }],
  ] as const)(
    'DynamoDB %s: the target errors within the timeouts, no action, acted once after',
    async (name, toxic) => {
      const s = await scaler();
      const started = Date.now();
      const report = await env.dynamodb.with(toxic, 'downstream', () => s.tick());
      const { connectionTimeoutMs, requestTimeoutMs, maxAttempts } = faultTimeouts.aws;
      expect(Date.now() - started).toBeLessThan(maxAttempts * (connectionTimeoutMs + requestTimeoutMs) + 5_000);
      expect(report.targets[0]).toMatchObject({
        kind: 'error',
        message: expect.stringMatching(/cannot load the state/) as unknown,
      });
      await expectActsOnce(s);
      const row = record(s, {
        fault: `DynamoDB: ${name}`,
        injected:
          toxic.type === 'latency'
            ? 'latency 3 s on every answer (request timeout 1.5 s)'
            : 'no answer, connection left open',
        faultTicks: 2,
      });
      expect(row).toMatchObject({ actions: 1, wrongActions: 0, silentFailures: 0, ticksToRecover: 1 });
    },
  );

  it('the claim reaches DynamoDB but its answer is lost: no action until the claim is settled, then once', async () => {
    const leaseMs = 2_000;
    const s = await scaler({
      // A short invocation: its claims lease 2 s (the deadline minus the margin the tick adds).
      deadline: () => Date.now() + leaseMs - LEASE_MARGIN_MS,
      aroundSave: (save, n) =>
        n === 1 ? env.dynamodb.with({ type: 'limit_data', attributes: { bytes: 0 } }, 'downstream', save) : save(),
    });
    // Both attempts of the PutItem reach moto (the first claims, the retry fails its condition) and
    // both answers are lost: the tick cannot know it claimed, so it does nothing (an error).
    expect((await s.tick()).targets[0]).toMatchObject({
      kind: 'error',
      message: expect.stringMatching(/socket hang up/) as unknown,
    });
    expect((await storedState(s))?.lastDecision?.outcome).toBe('pending');
    expect((await s.tick()).targets[0]).toMatchObject({
      kind: 'conflict',
      message: expect.stringMatching(/in flight/) as unknown,
    });
    await new Promise((resolve) => setTimeout(resolve, leaseMs));
    await expectActsOnce(s);
    const row = record(s, {
      fault: 'DynamoDB: the claim’s answer lost (reset mid-request)',
      injected: 'the answer to the claim’s PutItem dropped; a 2 s invocation lease',
      faultTicks: 2,
    });
    expect(row).toMatchObject({ actions: 1, wrongActions: 0, silentFailures: 0, ticksToRecover: 2 });
  });

  it('a conditional failure (another invocation saved first): a conflict with StateConflicts, acted once after', async () => {
    const s = await scaler({
      aroundSave: async (save, n) => {
        if (n === 1) {
          // The other invocation: a real conditional PutItem in moto, one version ahead.
          const current = await s.directDynamodb.send(
            new GetItemCommand({ TableName: s.table, Key: { target: { S: s.config.targets[0]?.group ?? '' } } }),
          );
          const item = current.Item ?? {};
          await s.directDynamodb.send(
            new PutItemCommand({
              TableName: s.table,
              Item: { ...item, version: { N: String(Number(item.version?.N ?? '0') + 1) } },
              ConditionExpression: '#version = :v',
              ExpressionAttributeNames: { '#version': 'version' },
              ExpressionAttributeValues: { ':v': item.version ?? { N: '0' } },
            }),
          );
        }
        await save();
      },
    });
    expect((await s.tick()).targets[0]).toMatchObject({ kind: 'conflict' });
    expect(s.updates).toEqual([]);
    await expectActsOnce(s);
    const row = record(s, {
      fault: 'DynamoDB: conditional check failed',
      injected: 'another writer saved between load and claim (real conditional PutItem)',
      faultTicks: 2,
    });
    expect(row).toMatchObject({ actions: 1, wrongActions: 0, silentFailures: 0, ticksToRecover: 1 });
  });

  it.each([
    ['a corrupt blob', { version: { N: '3' }, state: { B: Buffer.from('not gzip') } }],
    ['a version but no state', { version: { N: '3' } }],
    ['a state of another shape', { version: { N: '3' }, state: { B: gzipSync('{"schema":1}') } }],
    ['a newer schema (rollback)', { version: { N: '3' }, state: { B: gzipSync('{"schema":3,"policy":{}}') } }],
  ] as Array<[string, Record<string, AttributeValue>]>)(
    'state item with %s: replaced by a fresh state, StateReset, the tick goes on',
    async (name, item) => {
      const s = await scaler();
      const target = s.config.targets[0]?.group ?? '';
      await s.directDynamodb.send(new PutItemCommand({ TableName: s.table, Item: { target: { S: target }, ...item } }));
      // A fresh state waits for the group to settle again (its settle wait was lost with it).
      const report = await s.tick();
      expect(report.targets[0]).toMatchObject({ kind: 'held', decision: { rule: 'settling' } });
      expect(s.delivered.some((m) => m.name === 'StateReset' && m.value === 1)).toBe(true);
      expect(
        s.logger.records.some((r) => r.message.startsWith('state reset') && JSON.stringify(r.fields).includes(target)),
      ).toBe(true);
      expect((await storedState(s))?.schema).toBe(2);
      await expectActsOnce(s);
      const row = record(s, {
        fault: `DynamoDB: state item with ${name}`,
        injected: 'written into the table by hand (real item)',
        faultTicks: 2,
      });
      expect(row).toMatchObject({ actions: 1, wrongActions: 0, silentFailures: 0, ticksToRecover: 1 });
    },
  );
});

describe('CloudWatch PutMetricData fails', () => {
  it('the tick still decides and acts; its points go out with the next publish', async () => {
    const s = await scaler();
    await env.cloudwatch.disable();
    let acting: Awaited<ReturnType<FaultyScaler['tick']>>;
    try {
      acting = await s.tick();
    } finally {
      await env.cloudwatch.enable();
    }
    expect(acting.targets[0]).toMatchObject({ kind: 'acted' });
    expect(s.logger.records.some((r) => r.level === 'error' && r.message === 'publishing metrics failed')).toBe(true);
    const actionsBefore = s.delivered.filter((m) => m.name === 'ScalingActions' && m.value === 1).length;
    await s.tick();
    const late = s.delivered.filter((m) => m.name === 'ScalingActions' && m.value === 1);
    expect(actionsBefore).toBe(0);
    expect(late).toHaveLength(1);
    expect(late[0]?.timestampMs).toBeLessThanOrEqual(acting.startedAtMs + acting.durationMs);
    const row = record(s, {
      fault: 'CloudWatch: PutMetricData fails',
      injected: 'CloudWatch unreachable (proxy disabled) for one tick',
      faultTicks: 2,
      // Not a metric while CloudWatch is down: an ERROR log, the points sent late, and TickDuration
      // missing for as long as the outage lasts (the ticks-missing alarm).
      alsoVisible: () => true,
    });
    rows[rows.length - 1] = { ...row, outcomes: `${row.outcomes} (publish failed on tick 2, sent on tick 3)` };
    expect(row).toMatchObject({ actions: 1, wrongActions: 0 });
  });
});

describe('a tick past the Lambda timeout', () => {
  it('killed after its UpdateService reached ECS: the next tick settles the claim as acted, no second UpdateService', async () => {
    const s = await scaler();
    // Every ECS answer arrives 3 s late: the function is killed after the claim, before UpdateService returns.
    const slow = await env.ecs.add({ type: 'latency', attributes: { latency: 3_000 } }, 'downstream');
    // Node itself (tsx as a loader, not tsx's CLI, which would run the handler in a grandchild that
    // outlives the kill), in its own process group, killed as the Lambda runtime kills a timed-out function.
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/invoke-handler.ts'], {
      detached: true,
      env: {
        ...process.env,
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        AWS_REGION: 'us-east-1',
        AWS_ENDPOINT_URL: services().localstack,
        AWS_ENDPOINT_URL_ECS: env.ecs.url,
        AWS_ENDPOINT_URL_DYNAMODB: services().moto,
        AWS_ENDPOINT_URL_APPLICATION_AUTO_SCALING: services().moto,
        STATE_TABLE_NAME: s.table,
        LAGSCALER_CONFIG: JSON.stringify(compactScalerConfig(s.config)),
        LAMBDA_TIMEOUT_MS: '60000',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let exited = false;
    let output = '';
    child.on('exit', () => (exited = true));
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    try {
      await eventually(
        'the killed tick’s claim',
        async () => ((await storedState(s))?.lastDecision?.outcome === 'pending' ? true : undefined),
        {
          timeoutMs: 60_000,
          intervalMs: 100,
        },
      );
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(exited, output).toBe(false);
      process.kill(-(child.pid ?? 0), 'SIGKILL'); // the Lambda timeout: no finally, no outcome saved
    } finally {
      await env.ecs.remove(slow);
    }
    await eventually(
      'the service at 4 (UpdateService reached ECS)',
      async () => ((await desiredCount(s)) === 4 ? true : undefined),
      {
        timeoutMs: 10_000,
      },
    );
    const next = await s.tick();
    expect(next.targets[0]).toMatchObject({ kind: 'held' });
    expect(
      s.logger.records.some((r) => r.message.includes('left pending') && JSON.stringify(r.fields).includes('"acted"')),
    ).toBe(true);
    expect(s.updates).toEqual([]);
    expect((await storedState(s))?.policy.lastAction).toMatchObject({ direction: 'out', to: 4 });
    rows.push({
      fault: 'Lambda: a tick past the function timeout',
      injected: 'the function killed after its claim, UpdateService in flight (answers 3 s late)',
      outcomes: `held(settling) -> [killed: pending] -> ${outcomeOf(next)} (settled as acted)`,
      actions: 1,
      wrongActions: 0,
      silentFailures: 0,
      ticksToRecover: 1,
    });
  });
});
