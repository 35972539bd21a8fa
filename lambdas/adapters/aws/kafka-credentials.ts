import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { KafkaConnection } from '#domain/config/scaler-config';
import type { KafkaConnectionConfig } from '../kafka/connection';
import { KafkaCredentialsError } from '../kafka/errors';

/**
 * Turns the configured Kafka connection into one kafkajs can use, reading SASL credentials from
 * Secrets Manager (MSK's convention: {"username", "password"}). Messages name the secret, never
 * its value.
 */
export async function resolveKafkaConnection(
  kafka: KafkaConnection,
  deps: { secrets: SecretsManagerClient; region: string },
): Promise<KafkaConnectionConfig> {
  const base = { brokers: kafka.brokers, tls: kafka.tls };
  switch (kafka.auth.type) {
    case 'none':
      return base;
    case 'msk-iam':
      return { ...base, sasl: { mechanism: 'aws-msk-iam', region: kafka.auth.region ?? deps.region } };
    case 'sasl-plain':
    case 'sasl-scram': {
      const { username, password } = await readCredentials(deps.secrets, kafka.auth.secretArn);
      const mechanism = kafka.auth.type === 'sasl-plain' ? 'plain' : kafka.auth.mechanism;
      return { ...base, sasl: { mechanism, username, password } };
    }
  }
}

async function readCredentials(
  secrets: SecretsManagerClient,
  secretArn: string,
): Promise<{ username: string; password: string }> {
  let secretString: string | undefined;
  try {
    secretString = (await secrets.send(new GetSecretValueCommand({ SecretId: secretArn }))).SecretString;
  } catch (error) {
    const name = (error as { name?: string }).name ?? 'Error';
    throw new KafkaCredentialsError(
      `cannot read Kafka credentials from secret ${secretArn}: ${name}; check the ARN and the function's secretsmanager:GetSecretValue permission`,
      {
        cause: error,
        retriable: name !== 'ResourceNotFoundException' && name !== 'AccessDeniedException',
      },
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(secretString ?? '');
  } catch {
    parsed = undefined;
  }
  const record = parsed as { username?: unknown; password?: unknown } | undefined;
  if (typeof record?.username !== 'string' || typeof record.password !== 'string' || record.username === '') {
    throw new KafkaCredentialsError(
      `secret ${secretArn} must be JSON with string fields "username" and "password" (as MSK SASL/SCRAM secrets are)`,
      { retriable: false },
    );
  }
  return { username: record.username, password: record.password };
}
