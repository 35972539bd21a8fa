import { generateAuthToken } from 'aws-msk-iam-sasl-signer-js';
import { Kafka, logLevel, type KafkaConfig, type SASLOptions } from 'kafkajs';
import { BROKER_EXAMPLE, brokerAddressProblem } from '#domain/config/kafka-names';
import { KafkaConfigError } from './errors';

/** How to reach and authenticate to the Kafka cluster (parsed and validated by the caller's schema). */
export interface KafkaConnectionConfig {
  readonly brokers: readonly string[];
  readonly clientId?: string;
  /** TLS to the brokers (MSK's TLS listener, or any TLS listener). @default false */
  readonly tls?: boolean;
  readonly sasl?:
    | {
        readonly mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
        readonly username: string;
        readonly password: string;
      }
    /** MSK IAM: OAUTHBEARER with a token signed by AWS's own signer from the function's role. */
    | { readonly mechanism: 'aws-msk-iam'; readonly region: string };
  /** Bound on connecting to a broker. @default 3000 */
  readonly connectionTimeoutMs?: number;
  /** Bound on one request. @default 10000 */
  readonly requestTimeoutMs?: number;
}

/** Checks every broker address by the configuration schema's own rule, naming the bad one and the fix. */
export function validateBrokers(brokers: readonly string[]): void {
  if (brokers.length === 0) throw new KafkaConfigError('brokers: none given; pass at least one host:port');
  for (const broker of brokers) {
    const problem = brokerAddressProblem(broker);
    if (problem !== undefined) {
      throw new KafkaConfigError(
        `brokers: '${broker}' is not a broker address (${problem}); expected host:port, e.g. ${BROKER_EXAMPLE}`,
      );
    }
  }
}

/** A kafkajs client for the config, with bounded timeouts and retries so nothing hangs. */
export function createKafka(config: KafkaConnectionConfig): Kafka {
  validateBrokers(config.brokers);
  const sasl = config.sasl ? saslOptions(config.sasl) : undefined;
  const kafkaConfig: KafkaConfig = {
    clientId: config.clientId ?? 'kafka-lag-autoscaler',
    brokers: [...config.brokers],
    ssl: config.tls ?? false,
    sasl,
    connectionTimeout: config.connectionTimeoutMs ?? 3000,
    requestTimeout: config.requestTimeoutMs ?? 10_000,
    retry: { retries: 2, initialRetryTime: 200, maxRetryTime: 2000 },
    logLevel: logLevel.NOTHING,
  };
  return new Kafka(kafkaConfig);
}

/** kafkajs SASL options for each mechanism we support. */
export function saslOptions(sasl: NonNullable<KafkaConnectionConfig['sasl']>): SASLOptions {
  switch (sasl.mechanism) {
    case 'aws-msk-iam': {
      const region = sasl.region;
      return {
        mechanism: 'oauthbearer',
        oauthBearerProvider: async () => ({ value: (await generateAuthToken({ region })).token }),
      };
    }
    case 'plain':
      return { mechanism: 'plain', username: sasl.username, password: sasl.password };
    case 'scram-sha-256':
      return { mechanism: 'scram-sha-256', username: sasl.username, password: sasl.password };
    case 'scram-sha-512':
      return { mechanism: 'scram-sha-512', username: sasl.username, password: sasl.password };
  }
}
