import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import { resolveKafkaConnection } from '#adapters/aws/kafka-credentials';
import { KafkaCredentialsError } from '#adapters/kafka/errors';
import { KafkajsOffsetReader } from '#adapters/kafka/kafkajs-offset-reader';
import { kafkaClustersOf, parseScalerConfig, type KafkaConnection } from '#domain/config/scaler-config';
import { saslUser } from '../../../tools/services/kafka';
import { awsClientConfig, services, uniqueName } from '../../support/services';

const secrets = new SecretsManagerClient(awsClientConfig(services().localstack));
const kafkaConfig = (auth: unknown): KafkaConnection => {
  const config = parseScalerConfig({
    kafka: { brokers: [services().kafkaSaslBrokers], auth },
    targets: [{ group: 'billing', service: { cluster: 'hospital', service: 'billing' } }],
  });
  const [connection] = kafkaClustersOf(config).values();
  if (connection === undefined) throw new Error('the configuration has no cluster');
  return connection;
};

async function secret(value: string): Promise<string> {
  const created = await secrets.send(
    new CreateSecretCommand({ Name: uniqueName('AmazonMSK_lagscaler'), SecretString: value }),
  );
  return created.ARN ?? '';
}

describe('Kafka credentials from Secrets Manager (LocalStack) used against the SASL broker', () => {
  it('reads {username, password} from the secret and authenticates with SCRAM-SHA-512', async () => {
    const arn = await secret(JSON.stringify(saslUser));
    const connection = await resolveKafkaConnection(kafkaConfig({ type: 'sasl-scram', secretArn: arn }), {
      secrets,
      region: 'us-east-1',
    });
    expect(connection.sasl).toEqual({ mechanism: 'scram-sha-512', ...saslUser });
    const reader = new KafkajsOffsetReader({ connection, clock: { now: () => Date.now() } });
    await expect(reader.listGroups()).resolves.toBeInstanceOf(Array);
    await reader.close();
  });

  it('a missing secret names the ARN and the permission to check', async () => {
    const arn = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:no-such-secret-AbCdEf';
    const error = await resolveKafkaConnection(kafkaConfig({ type: 'sasl-scram', secretArn: arn }), {
      secrets,
      region: 'us-east-1',
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KafkaCredentialsError);
    expect((error as Error).message).toMatch(
      /cannot read Kafka credentials from secret .*no-such-secret.*ResourceNotFoundException/,
    );
  });

  it('a malformed secret says what shape it needs, without echoing the value', async () => {
    const arn = await secret('{"user":"x","pass":"hunter2-do-not-print"}');
    const error = await resolveKafkaConnection(kafkaConfig({ type: 'sasl-plain', secretArn: arn }), {
      secrets,
      region: 'us-east-1',
    }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/must be JSON with string fields "username" and "password"/);
    expect((error as Error).message).not.toContain('hunter2');
  });
});
