/**
 * The root of every error family in the project (one base class per area extends it), and the one
 * way to turn an unknown thrown value into text or an `Error`. Pure: no I/O.
 */

/** Options every project error takes: the standard `cause` and whether trying again can help. */
export interface ProjectErrorOptions extends ErrorOptions {
  /** True when the same call may succeed if tried again (a timeout, a moved coordinator). */
  readonly retriable?: boolean;
}

/**
 * Base of the per-area error families. Subclasses set `name` explicitly (bundles are minified, so
 * class names cannot be read at run time) and pass `cause` through so it survives.
 */
export abstract class ProjectError extends Error {
  readonly retriable: boolean;
  constructor(message: string, options: ProjectErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.retriable = options.retriable ?? false;
  }
}

/** The nested error some clients wrap their cause in (kafkajs: `originalError`), or the standard `cause`. */
function innerError(error: Error): unknown {
  return (error as { originalError?: unknown }).originalError ?? error.cause;
}

/**
 * A one-line description of anything thrown: the message, and the inner error's message when it
 * adds something ("connect ECONNREFUSED ..." under a client's generic wrapper).
 */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const inner = innerError(error);
  return inner instanceof Error && inner.message !== '' && !error.message.includes(inner.message)
    ? `${error.message} (${inner.message})`
    : error.message;
}

/** The thrown value as an `Error` (a string or object thrown by a library becomes one). */
export function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
