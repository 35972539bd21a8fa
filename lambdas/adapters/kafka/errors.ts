import { asError, describeError, ProjectError } from '#domain/errors';

/** Base of the Kafka adapters' errors: connecting, authenticating, addressing brokers. */
export abstract class KafkaError extends ProjectError {}

/** A failure to talk to Kafka at all (not one group's problem), with the fix in the message. */
export class KafkaUnavailableError extends KafkaError {
  override name = 'KafkaUnavailableError';
}

/** A broker address or client setting that can never work (not a passing fault). */
export class KafkaConfigError extends KafkaError {
  override name = 'KafkaConfigError';
}

/** The SASL credentials could not be read (Secrets Manager) or are not usable. */
export class KafkaCredentialsError extends KafkaError {
  override name = 'KafkaCredentialsError';
}

/** A broker's answer we cannot use: a malformed response, or an API version it rejects. */
export class KafkaProtocolError extends KafkaError {
  override name = 'KafkaProtocolError';
}

/** Turns a kafkajs connect/auth failure into a message a user can act on. */
export function explainConnectionFailure(brokers: readonly string[], error: unknown): KafkaUnavailableError {
  const name = asError(error).name;
  const detail = describeError(error);
  if (name === 'KafkaJSSASLAuthenticationError') {
    return new KafkaUnavailableError(
      `authentication to Kafka failed: ${detail}. Check the SASL mechanism, username and password (or secret).`,
      { cause: error, retriable: false },
    );
  }
  return new KafkaUnavailableError(
    `cannot reach Kafka brokers ${brokers.join(',')}: ${detail}. Check the addresses, the network path (VPC, security groups) and TLS settings.`,
    { cause: error, retriable: true },
  );
}
