import type { ConfigLocation } from '#adapters/aws/config-source';
import { CONFIG_VARIABLES, referencesOf } from '#domain/config/delivery';
import { ScalerConfigError } from '#domain/config/scaler-config';
import { parseLogLevel, type LogLevel } from '#ports/logger';

/** The Lambda's environment, read once at cold start; a missing or bad variable is named. */
export interface HandlerEnvironment {
  readonly config: ConfigLocation;
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
  return { config: configLocation(env), stateTable, region: env.AWS_REGION ?? 'us-east-1', logLevel };
}

/** Inline (LAGSCALER_CONFIG) when set, else the S3 object the construct names; neither is an error. */
function configLocation(env: Readonly<Record<string, string | undefined>>): ConfigLocation {
  const inline = env.LAGSCALER_CONFIG;
  if (inline !== undefined && inline.trim() !== '')
    return { kind: 'inline', json: inline, variable: 'LAGSCALER_CONFIG' };
  const { bucket, key, sha256 } = CONFIG_VARIABLES;
  const missing = [bucket, key, sha256].filter((name) => !env[name]);
  if (missing.length === 0) {
    return {
      kind: 's3',
      bucket: env[bucket] ?? '',
      key: env[key] ?? '',
      sha256: env[sha256] ?? '',
      references: referencesOf(env),
    };
  }
  throw new ScalerConfigError([
    {
      path: [missing.length === 3 ? 'LAGSCALER_CONFIG' : missing.join(', ')],
      message:
        missing.length === 3
          ? `not set, and neither is ${bucket}/${key}: give the configuration inline, or the S3 object that holds it`
          : `not set; ${bucket}, ${key} and ${sha256} name the configuration object together`,
    },
  ]);
}
