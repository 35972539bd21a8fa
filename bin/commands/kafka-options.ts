import { Option, type Command } from 'commander';
import type { KafkaConnectionConfig } from '#adapters/kafka/connection';

/** The Kafka connection flags every command that talks to a cluster shares. */
export function addKafkaOptions(command: Command): Command {
  return command
    .addOption(
      new Option('--brokers <host:port,...>', 'bootstrap brokers, comma-separated')
        .env('KAFKA_BROKERS')
        .makeOptionMandatory(),
    )
    .option('--tls', 'connect with TLS', false)
    .addOption(
      new Option('--sasl-mechanism <mechanism>', 'SASL authentication').choices([
        'plain',
        'scram-sha-256',
        'scram-sha-512',
        'aws-msk-iam',
      ]),
    )
    .addOption(new Option('--sasl-username <name>', 'SASL user (plain, scram)').env('KAFKA_SASL_USERNAME'))
    .addOption(
      new Option('--aws-region <region>', 'region of the MSK cluster (aws-msk-iam)')
        .env('AWS_REGION')
        .default('us-east-1'),
    );
}

interface KafkaFlags {
  readonly brokers: string;
  readonly tls: boolean;
  readonly saslMechanism?: 'plain' | 'scram-sha-256' | 'scram-sha-512' | 'aws-msk-iam';
  readonly saslUsername?: string;
  readonly awsRegion: string;
}

/**
 * The connection the flags describe. The SASL password is read from KAFKA_SASL_PASSWORD only, never
 * from a flag, so that it stays out of shell history and the process list.
 */
export function kafkaConnectionFromFlags(flags: KafkaFlags, env: NodeJS.ProcessEnv): KafkaConnectionConfig {
  const brokers = flags.brokers
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b !== '');
  const base = { brokers, tls: flags.tls };
  switch (flags.saslMechanism) {
    case undefined:
      return base;
    case 'aws-msk-iam':
      return { ...base, sasl: { mechanism: 'aws-msk-iam', region: flags.awsRegion } };
    default: {
      const password = env.KAFKA_SASL_PASSWORD;
      if (!flags.saslUsername)
        throw new Error('--sasl-username (or KAFKA_SASL_USERNAME) is required with --sasl-mechanism');
      if (!password) throw new Error('set KAFKA_SASL_PASSWORD to the SASL password (it is never taken as a flag)');
      return { ...base, sasl: { mechanism: flags.saslMechanism, username: flags.saslUsername, password } };
    }
  }
}
