import { ScalerConfigError } from '#domain/config/scaler-config';

/** The levels a logger filters by, least severe first. */
export const logLevels = ['DEBUG', 'INFO', 'WARN', 'ERROR'] as const;
export type LogLevel = (typeof logLevels)[number];

/** Structured logging as the use cases need it (Powertools Logger in Lambda, a console in the CLI). */
export interface StructuredLogger {
  info(message: string, fields?: Readonly<Record<string, unknown>>): void;
  warn(message: string, fields?: Readonly<Record<string, unknown>>): void;
  error(message: string, fields?: Readonly<Record<string, unknown>>): void;
}

/**
 * A log level from configuration (any case; unset means INFO). An unknown value is an error naming
 * the variable and the choices: silently logging at another level hides what the operator asked for.
 */
export function parseLogLevel(value: string | undefined, variable: string): LogLevel {
  if (value === undefined || value.trim() === '') return 'INFO';
  const level = logLevels.find((known) => known === value.trim().toUpperCase());
  if (level !== undefined) return level;
  throw new ScalerConfigError([
    { path: [variable], message: `'${value}' is not a log level; use one of ${logLevels.join(', ')}` },
  ]);
}
