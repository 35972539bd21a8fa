import { describeError, ProjectError } from '#domain/errors';

/** Base of the Kafka adapters' errors: connecting, authenticating, addressing brokers. */
export abstract class KafkaError extends ProjectError {}

/** A failure to talk to Kafka at all (not one group's problem), with the fix in the message. */
export class KafkaUnavailableError extends KafkaError {
  override name = 'KafkaUnavailableError';
}

/**
 * Kafka rejected the credentials: a wrong password, a secret rotated since the client was built, a
 * missing IAM permission. Trying again with the same client cannot help; a new client with the
 * credentials read again may.
 */
export class KafkaAuthenticationError extends KafkaUnavailableError {
  override name = 'KafkaAuthenticationError';
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

/** True when `error`, or an error it wraps, is Kafka rejecting the credentials. */
export function isAuthenticationFailure(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 5; depth++) {
    if (current instanceof KafkaAuthenticationError || current.name === 'KafkaJSSASLAuthenticationError') return true;
    current = (current as { originalError?: unknown }).originalError ?? current.cause;
  }
  return false;
}

/** Turns a kafkajs connect/auth failure into a message a user can act on. */
export function explainConnectionFailure(brokers: readonly string[], error: unknown): KafkaUnavailableError {
  if (error instanceof KafkaAuthenticationError) return error;
  const detail = describeError(error);
  if (isAuthenticationFailure(error)) {
    return new KafkaAuthenticationError(
      `authentication to Kafka failed: ${detail}. Check the SASL mechanism, username and password (or secret).`,
      { cause: error, retriable: false },
    );
  }
  return new KafkaUnavailableError(
    `cannot reach Kafka brokers ${brokers.join(',')}: ${detail}. Check the addresses, the network path (VPC, security groups) and TLS settings.`,
    { cause: error, retriable: true },
  );
}
