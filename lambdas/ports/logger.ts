/** Structured logging as the use cases need it (Powertools Logger in Lambda, a console in the CLI). */
export interface StructuredLogger {
  info(message: string, fields?: Readonly<Record<string, unknown>>): void;
  warn(message: string, fields?: Readonly<Record<string, unknown>>): void;
  error(message: string, fields?: Readonly<Record<string, unknown>>): void;
}
