import { ScalerConfigError } from '#domain/config/scaler-config';
import { parseLogLevel, type LogLevel } from '#ports/logger';

/** The Lambda's environment, read once at cold start; a missing or bad variable is named. */
export interface HandlerEnvironment {
  readonly configJson: string | undefined;
  readonly stateTable: string;
  readonly region: string;
  readonly logLevel: LogLevel;
}

export function readEnvironment(env: Readonly<Record<string, string | undefined>>): HandlerEnvironment {
  const stateTable = env.STATE_TABLE_NAME;
  if (!stateTable) {
    throw new ScalerConfigError([
      { path: ['STATE_TABLE_NAME'], message: 'not set; it must name the DynamoDB state table' },
    ]);
  }
  const logLevel = parseLogLevel(env.LOG_LEVEL, 'LOG_LEVEL');
  return { configJson: env.LAGSCALER_CONFIG, stateTable, region: env.AWS_REGION ?? 'us-east-1', logLevel };
}
