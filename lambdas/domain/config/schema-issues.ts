/**
 * The one way schema problems become messages, for every input the project validates (scaler and
 * policy configuration, trace and profile files, CDK props, the consumer's settings): each problem
 * names where it is (source file and line when there is one, then the field path), what is wrong and
 * the fix. Pure: zod issues and text in, strings out.
 */
import type * as z from 'zod';
import { describeError } from '../errors';

/** One problem with its field path, before it is worded for a particular input. */
export interface SchemaProblem {
  readonly path: readonly PropertyKey[];
  readonly message: string;
  /** Where to look for the line when it is not the path itself (an unknown field's own key). */
  readonly linePath?: readonly PropertyKey[];
}

/** How to word problems for one kind of input. */
export interface ProblemFormat {
  /** The file or variable the input came from, prefixed to each message. */
  readonly source?: string;
  /** The input's JSON text: each message then points at the line of its field (best effort). */
  readonly text?: string;
  /** The fix for unknown fields, e.g. "remove them or fix the spelling". */
  readonly unknownFieldsFix?: string;
  /** Names a field path the way the user wrote it (a prop path, an environment variable). */
  readonly label?: (path: readonly PropertyKey[]) => string;
  /** The label of the empty path. @default '(top level)' */
  readonly root?: string;
}

const DEFAULT_UNKNOWN_FIELDS_FIX = 'remove them or fix the spelling';

/** `['targets', 0, 'policy']` -> `targets[0].policy`. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((key, index) => (typeof key === 'number' ? `[${key}]` : index === 0 ? String(key) : `.${String(key)}`))
    .join('');
}

/** The problems of a failed parse, unknown fields named with their fix; `explain` may reword the others. */
export function schemaProblems(
  error: z.ZodError,
  unknownFieldsFix = DEFAULT_UNKNOWN_FIELDS_FIX,
  explain: (issue: z.core.$ZodIssue) => string = (issue) => issue.message,
): SchemaProblem[] {
  return error.issues.map((issue) =>
    issue.code === 'unrecognized_keys'
      ? {
          path: issue.path,
          linePath: [...issue.path, issue.keys[0] ?? ''],
          message: `unknown field(s) ${issue.keys.map((key) => `'${key}'`).join(', ')}; ${unknownFieldsFix}`,
        }
      : { path: issue.path, message: explain(issue) },
  );
}

/** One problem as one line: `source:line: field.path: message`. */
export function formatProblem(problem: SchemaProblem, format: ProblemFormat = {}): string {
  const label = format.label?.(problem.path) ?? (formatPath(problem.path) || (format.root ?? '(top level)'));
  const line = format.text === undefined ? undefined : lineOfJsonPath(format.text, problem.linePath ?? problem.path);
  const where = format.source === undefined ? '' : `${format.source}${line === undefined ? '' : `:${line}`}: `;
  return `${where}${label}: ${problem.message}`;
}

/** Every problem of a failed parse, one line each (see {@link formatProblem}). */
export function formatSchemaError(error: z.ZodError, format: ProblemFormat = {}): string[] {
  return schemaProblems(error, format.unknownFieldsFix).map((problem) => formatProblem(problem, format));
}

/** 1-based line and column of a character offset. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

/**
 * The line of a field path in JSON text, found by walking its keys in order and, for array
 * elements, the (index+1)-th value opening after the array's key (best effort: for the reader).
 */
export function lineOfJsonPath(text: string, path: readonly PropertyKey[]): number | undefined {
  let at = -1;
  for (const key of path) {
    const next = typeof key === 'number' ? nthOpening(text, at, key) : text.indexOf(`"${String(key)}"`, at + 1);
    if (next < 0) break;
    at = next;
  }
  return at < 0 ? undefined : lineAndColumn(text, at).line;
}

/** Offset of the (index+1)-th object in the array after `from`, or -1 (also for arrays of plain values). */
function nthOpening(text: string, from: number, index: number): number {
  const open = text.indexOf('[', from + 1);
  if (open < 0 || text.slice(open + 1).trimStart()[0] !== '{') return -1;
  let at = open;
  for (let i = 0; i <= index; i++) {
    const brace = text.indexOf('{', at + 1);
    if (brace < 0) return -1;
    at = brace;
  }
  return at;
}

/**
 * Where `JSON.parse` failed, from its message: V8 gives "position N" for some errors and only a
 * snippet of the text around the bad token for others; the snippet is located in the text.
 */
function jsonErrorOffset(text: string, message: string): number | undefined {
  const position = /position (\d+)/.exec(message)?.[1];
  if (position !== undefined) return Number(position);
  if (/end of JSON input/.test(message)) return text.length;
  const snippet = /"(?:\.\.\.)?([\s\S]*?)(?:\.\.\.)?" is not valid JSON/.exec(message)?.[1];
  const token = /Unexpected token '(.)'/.exec(message)?.[1];
  if (snippet === undefined || snippet.length === 0) return undefined;
  const at = text.indexOf(snippet);
  if (at < 0) return undefined;
  const inSnippet = token === undefined ? -1 : snippet.indexOf(token);
  return at + Math.max(inSnippet, 0);
}

/** Parses JSON text, or returns the one-line problem: source, line and column, the parser's words. */
export function parseJsonText(
  text: string,
  source: string,
): { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly problem: string } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    const message = describeError(error);
    const offset = jsonErrorOffset(text, message);
    const where =
      offset === undefined ? '' : ((p) => ` at line ${p.line}, column ${p.column}`)(lineAndColumn(text, offset));
    return { ok: false, problem: `${source}: not valid JSON${where}: ${message}` };
  }
}
