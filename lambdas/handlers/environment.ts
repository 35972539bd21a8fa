/** The Lambda's environment, read once at cold start; a missing variable is named. */
export interface HandlerEnvironment {
  readonly configJson: string | undefined;
  readonly stateTable: string;
  readonly region: string;
  readonly logLevel: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
}

export function readEnvironment(env: Readonly<Record<string, string | undefined>>): HandlerEnvironment {
  const stateTable = env.STATE_TABLE_NAME;
  if (!stateTable) throw new Error('STATE_TABLE_NAME is not set; it must name the DynamoDB state table');
  const level = (env.LOG_LEVEL ?? 'INFO').toUpperCase();
  const logLevel = level === 'DEBUG' || level === 'WARN' || level === 'ERROR' ? level : 'INFO';
  return { configJson: env.LAGSCALER_CONFIG, stateTable, region: env.AWS_REGION ?? 'us-east-1', logLevel };
}
