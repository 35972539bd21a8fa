import { inject } from 'vitest';
import { describeError } from '#domain/errors';

/** Where the integration services run; provided by test/integration/global-setup.ts. */
export interface ServiceEndpoints {
  readonly kafkaBrokers: string;
  /** The same broker's SASL_PLAINTEXT listener (PLAIN and SCRAM-SHA-512; user in tools/services/kafka.ts). */
  readonly kafkaSaslBrokers: string;
  readonly localstack: string;
  readonly moto: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    services: ServiceEndpoints;
  }
}

export function services(): ServiceEndpoints {
  return inject('services');
}

/** AWS SDK v3 client settings for a local endpoint (LocalStack or moto). */
export function awsClientConfig(endpoint: string): {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
} {
  return { endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
}

/** A short random suffix so that tests never share topics, groups or AWS resources. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
}

export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  options: { timeoutMs: number; intervalMs?: number },
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 500));
  }
  throw new Error(
    `timed out after ${options.timeoutMs} ms waiting for ${what}${last === undefined ? '' : `: ${describeError(last)}`}`,
  );
}
