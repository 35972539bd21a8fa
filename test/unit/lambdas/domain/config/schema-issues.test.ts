import * as z from 'zod';
import { describe, expect, it } from 'vitest';
import {
  formatPath,
  formatProblem,
  formatSchemaError,
  lineOfJsonPath,
  parseJsonText,
} from '#domain/config/schema-issues';

const Schema = z.strictObject({
  name: z.string({ error: 'expected a name' }),
  phases: z.array(z.strictObject({ seconds: z.number().positive({ error: 'expected seconds > 0' }) })),
});

const errorOf = (raw: unknown): z.ZodError => {
  const result = Schema.safeParse(raw);
  if (result.success) throw new Error('expected a failed parse');
  return result.error;
};

describe('formatPath', () => {
  it.each([
    [[], ''],
    [['name'], 'name'],
    [['targets', 0, 'policy', 'minTasks'], 'targets[0].policy.minTasks'],
    [['phases', 2], 'phases[2]'],
  ] as const)('%j -> %s', (path, text) => {
    expect(formatPath(path)).toBe(text);
  });
});

describe('formatSchemaError', () => {
  it('names the field path and the message, and the top level when the path is empty', () => {
    expect(formatSchemaError(errorOf({ phases: [] }))).toEqual(['name: expected a name']);
    expect(formatSchemaError(errorOf('x'))[0]).toMatch(/^\(top level\): /);
  });

  it('names unknown fields quoted, with the fix given for this input', () => {
    const error = errorOf({ name: 'a', phases: [], colour: 'blue', size: 1 });
    expect(formatSchemaError(error, { unknownFieldsFix: 'expected name, phases' })).toEqual([
      "(top level): unknown field(s) 'colour', 'size'; expected name, phases",
    ]);
  });

  it('prefixes the source and the line of the field in the JSON text', () => {
    const text = '{\n  "name": "a",\n  "phases": [\n    {"seconds": 1},\n    {"seconds": 0}\n  ]\n}';
    const error = errorOf(JSON.parse(text));
    expect(formatSchemaError(error, { source: 'p.json', text })).toEqual([
      'p.json:5: phases[1].seconds: expected seconds > 0',
    ]);
  });

  it('words a path the way the user wrote it when given a label', () => {
    const line = formatProblem(
      { path: ['targets', 0, 'group'], message: 'expected a group' },
      { label: (path) => `props.${formatPath(path)}` },
    );
    expect(line).toBe('props.targets[0].group: expected a group');
  });
});

describe('lineOfJsonPath', () => {
  const text = '{\n  "topics": [\n    {"name": "a"},\n    {"name": "b"}\n  ],\n  "production": {"a": [1,\n 2]}\n}';
  it.each([
    [['topics'], 2],
    [['topics', 1, 'name'], 4],
    [['production', 'a'], 6],
    // An index into an array of plain values stays at the array's key.
    [['production', 'a', 1], 6],
    [['missing'], undefined],
  ] as const)('%j is on line %s', (path, line) => {
    expect(lineOfJsonPath(text, path)).toBe(line);
  });
});

describe('parseJsonText', () => {
  it('returns the value of valid JSON', () => {
    expect(parseJsonText('{"a": 1}', 'x.json')).toEqual({ ok: true, value: { a: 1 } });
  });

  it('names the source, line and column of a syntax error', () => {
    const result = parseJsonText('{\n  "a": ,\n}', 'x.json');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problem).toMatch(/^x\.json: not valid JSON at line 2, column \d+: /);
  });

  it('names the source of truncated JSON', () => {
    const result = parseJsonText('{"a": [1, 2', 'x.json');
    expect(!result.ok && result.problem).toMatch(/^x\.json: not valid JSON/);
  });
});
