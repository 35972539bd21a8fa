/** A failure to talk to Kafka at all (not one group's problem), with the fix in the message. */
export class KafkaUnavailableError extends Error {
  override name = 'KafkaUnavailableError';
  readonly retriable: boolean;
  constructor(message: string, options: { cause?: unknown; retriable: boolean }) {
    super(message, { cause: options.cause });
    this.retriable = options.retriable;
  }
}

function describeCause(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const nested = (error as { originalError?: unknown }).originalError;
  return nested instanceof Error && nested.message !== error.message
    ? `${error.message} (${nested.message})`
    : error.message;
}

/** Turns a kafkajs connect/auth failure into a message a user can act on. */
export function explainConnectionFailure(brokers: readonly string[], error: unknown): KafkaUnavailableError {
  const name = error instanceof Error ? error.name : '';
  const detail = describeCause(error);
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

/** Rejects when `promise` takes longer than `ms`, so no read can hang a tick or the CLI. */
export async function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new KafkaUnavailableError(`${what} took longer than ${ms} ms`, { retriable: true })),
      ms,
    );
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
