import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { createHash } from 'node:crypto';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ShardSummary } from '#application/shard-run';
import type { TickReport } from '#application/tick';
import { saslUser } from '../../../tools/services/kafka';
import { createConsumerService } from '../../support/ecs';
import { commit, createTopic, produce, testKafka } from '../../support/kafka';
import { createStateTable } from '../../support/scaler';
import { awsClientConfig, services, uniqueName } from '../../support/services';

const savedEnv = { ...process.env };
afterEach(() => {
  process.env = { ...savedEnv };
  vi.restoreAllMocks();
  vi.resetModules();
});

/** Everything the handler writes to stdout and stderr while `fn` runs. */
async function captureOutput<T>(fn: () => Promise<T>): Promise<{ result: T; output: string }> {
  let output = '';
  const collect = (chunk: unknown): boolean => {
    output += String(chunk);
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(collect);
  vi.spyOn(process.stderr, 'write').mockImplementation(collect);
  try {
    return { result: await fn(), output };
  } finally {
    vi.restoreAllMocks();
  }
}

const lambdaContext = {
  functionName: 'kafka-lag-scaler',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:kafka-lag-scaler',
  memoryLimitInMB: '512',
  awsRequestId: 'test-request',
  getRemainingTimeInMillis: () => 60_000,
};

describe('the Lambda handler in-process (config from env, SASL secret from LocalStack, ECS and DynamoDB on moto)', () => {
  it('runs a tick with credentials from Secrets Manager and never logs the password', async () => {
    const kafka = testKafka();
    const admin = kafka.admin();
    await admin.connect();
    const topic = uniqueName('patient-checkout');
    await createTopic(admin, topic, 2);
    await produce(kafka, topic, [20, 20]);
    const group = uniqueName('billing');
    await commit(kafka, group, topic, { 0: 5, 1: 5 });
    const password = `pw-${uniqueName('secret')}`;
    // The broker knows only its own test user, so the secret holds that user's real password; a
    // second secret with a unique password shows that no password reaches the logs.
    const secrets = new SecretsManagerClient(awsClientConfig(services().localstack));
    const secret = await secrets.send(
      new CreateSecretCommand({ Name: uniqueName('AmazonMSK_billing'), SecretString: JSON.stringify(saslUser) }),
    );
    await secrets.send(
      new CreateSecretCommand({
        Name: uniqueName('unused'),
        SecretString: JSON.stringify({ username: 'x', password }),
      }),
    );
    const ecs = new ECSClient(awsClientConfig(services().moto));
    const service = await createConsumerService(ecs, { service: 'billing', desiredCount: 2 });
    await ecs.send(new UpdateServiceCommand({ ...service, desiredCount: 2 }));
    const table = await createStateTable(new DynamoDBClient(awsClientConfig(services().moto)));

    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL: services().localstack,
      AWS_ENDPOINT_URL_ECS: services().moto,
      AWS_ENDPOINT_URL_DYNAMODB: services().moto,
      AWS_ENDPOINT_URL_APPLICATION_AUTO_SCALING: services().moto,
      STATE_TABLE_NAME: table,
      LOG_LEVEL: 'DEBUG',
      LAGSCALER_CONFIG: JSON.stringify({
        kafka: { brokers: [services().kafkaSaslBrokers], auth: { type: 'sasl-scram', secretArn: secret.ARN } },
        metricsNamespace: uniqueName('KLA-Handler'),
        targets: [{ group, topics: [topic], service, policy: { minTasks: 1, maxTasks: 4 } }],
      }),
    });
    const { handler } = await import('../../../lambdas/handlers/tick');
    const { result, output } = await captureOutput(() => handler({}, lambdaContext) as Promise<readonly TickReport[]>);
    expect(result[0]?.kafkaError).toBeUndefined();
    expect(result[0]?.targets[0]).toMatchObject({ target: group });
    expect(result[0]?.targets[0]?.kind).not.toBe('error');
    expect(output).toContain('"message":"decision"');
    expect(output).not.toContain('"level":"ERROR"');
    expect(output).toContain('"function_request_id":"test-request"');
    expect(output).not.toContain(saslUser.password);
    expect(output).not.toContain(password);
    await admin.deleteTopics({ topics: [topic] });
    await admin.disconnect();
  });

  it('reads its configuration from S3 at cold start and runs one shard of a fanned-out tick', async () => {
    const kafka = testKafka();
    const admin = kafka.admin();
    await admin.connect();
    const topic = uniqueName('patient-checkout');
    await createTopic(admin, topic, 2);
    const ecs = new ECSClient(awsClientConfig(services().moto));
    const groups = [uniqueName('billing'), uniqueName('pharmacy')];
    const refs = [];
    for (const group of groups) {
      await commit(kafka, group, topic, { 0: 0, 1: 0 });
      const service = await createConsumerService(ecs, { service: group, desiredCount: 1 });
      refs.push(service);
    }
    const table = await createStateTable(new DynamoDBClient(awsClientConfig(services().moto)));
    // As the construct ships it: a deploy-time value (here the second service's name) is a placeholder.
    const document = JSON.stringify({
      kafka: { brokers: [services().kafkaBrokers] },
      metricsNamespace: uniqueName('KLA-Shard'),
      maxTargetsPerInvocation: 1,
      targets: [
        { group: groups[0], topics: [topic], service: refs[0] },
        { group: groups[1], topics: [topic], service: { cluster: refs[1]?.cluster, service: '${LAGSCALER_REF_0}' } },
      ],
    });
    const s3 = new S3Client({ ...awsClientConfig(services().localstack), forcePathStyle: true });
    const bucket = uniqueName('kla-handler');
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'config.json', Body: document }));
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL: services().localstack,
      AWS_ENDPOINT_URL_ECS: services().moto,
      AWS_ENDPOINT_URL_DYNAMODB: services().moto,
      STATE_TABLE_NAME: table,
      LAGSCALER_CONFIG_BUCKET: bucket,
      LAGSCALER_CONFIG_KEY: 'config.json',
      LAGSCALER_CONFIG_SHA256: createHash('sha256').update(document).digest('hex'),
      LAGSCALER_REF_0: refs[1]?.service,
    });
    const { handler } = await import('../../../lambdas/handlers/tick');
    const shard = { index: 1, count: 2, cluster: 'default' };
    const { result } = await captureOutput(() => handler({ shard }, lambdaContext) as Promise<ShardSummary>);
    // Shard 1 of 2 is the second target only (at most one per invocation).
    expect(result).toMatchObject({ shard, ticks: 1, targets: 1, errors: 0, kafkaErrors: 0 });
    const other = { index: 0, count: 3, cluster: 'default' };
    await expect(captureOutput(() => handler({ shard: other }, lambdaContext) as Promise<unknown>)).rejects.toThrow(
      /shard 0 of 3 \(cluster 'default'\) does not match this configuration's 2 shard\(s\)/,
    );
    await admin.deleteTopics({ topics: [topic] });
    await admin.disconnect();
  });

  it('a bad LAGSCALER_CONFIG fails the cold start naming every problem', async () => {
    Object.assign(process.env, {
      STATE_TABLE_NAME: 'state',
      LAGSCALER_CONFIG: JSON.stringify({ kafka: { brokers: ['nohost'] }, targets: [] }),
    });
    await expect(import('../../../lambdas/handlers/tick')).rejects.toThrow(
      /invalid scaler configuration:\n {2}kafka\.brokers\[0\]: must be host:port[\s\S]*targets: give at least one target/,
    );
  });
});
