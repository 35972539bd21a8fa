import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { corpusMembers, familyNames, generateTrace, parseTrace, shippedCorpus } from '#simulator/index';
import { familiesTable, parameterFlag, registerTraces, seedFlag, traceJson } from '../../../../bin/commands/traces';
import { loadTrace } from '../../../../bin/commands/simulate';

const dir = mkdtempSync(join(tmpdir(), 'lagscaler-traces-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

/** Runs `lagscaler traces ...` in process; returns what it printed. */
async function traces(...args: string[]): Promise<string> {
  const printed: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...parts: unknown[]) => void printed.push(parts.join(' ')));
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    printed.push(String(chunk));
    return true;
  });
  const program = new Command('lagscaler').exitOverride();
  registerTraces(program);
  await program.parseAsync(['node', 'lagscaler', 'traces', ...args]);
  return printed.join('\n');
}

describe('flags', () => {
  it.each([
    ['partitions=12', { partitions: 12 }],
    ['hotLoadTasks=0.7', { hotLoadTasks: 0.7 }],
    ['partitions=2e9', { partitions: 2e9 }],
    ['partitions=twelve', { partitions: 'twelve' }],
    ['partitions=', { partitions: '' }],
  ])('--param %s', (value, expected) => {
    expect(parameterFlag(value)).toEqual(expected);
  });

  it('--param accumulates, and rejects what is not name=value', () => {
    expect(parameterFlag('b=2', parameterFlag('a=1'))).toEqual({ a: 1, b: 2 });
    expect(() => parameterFlag('partitions')).toThrow(/expected name=value \(e\.g\. partitions=12\), got 'partitions'/);
  });

  it('--seed must be a whole number', () => {
    expect(seedFlag('42')).toBe(42);
    expect(() => seedFlag('4.2')).toThrow(/--seed must be a whole number, got '4\.2'/);
  });
});

describe('traceJson', () => {
  it('puts number arrays on one line and parses back to the same trace', () => {
    const result = generateTrace({ family: 'moving-hot-key', seed: 1, params: { partitions: 6 } });
    if (!result.ok) throw new Error(result.errors.join('\n'));
    const text = traceJson(result.trace);
    expect(text).toMatch(/"weights": \[[\d., ]+\]/);
    const parsed = parseTrace(text, 'x.json');
    expect(parsed.ok ? parsed.trace : parsed.errors).toEqual(result.trace);
  });
});

describe('lagscaler traces', () => {
  it('families lists every family and its parameters', async () => {
    const printed = await traces('families');
    for (const family of familyNames) expect(printed).toContain(`${family}: `);
    expect(printed).toContain('hotLoadTasks');
    expect(familiesTable('ramp')).not.toContain('hotLoadTasks');
  });

  it('generate writes JSON to stdout that parses to the generated trace', async () => {
    const printed = await traces('generate', '--family', 'ramp', '--seed', '3', '--param', 'partitions=12');
    const parsed = parseTrace(printed, 'stdout');
    expect(parsed.ok ? [parsed.trace.name, parsed.trace.topics[0]?.partitions] : parsed.errors).toEqual(['ramp-3', 12]);
  });

  it('generate refuses absurd parameters, naming them', async () => {
    await expect(traces('generate', '--family', 'ramp', '--param', 'partitions=2e9')).rejects.toThrow(
      /family ramp, seed 1: partitions: expected a whole number from 1 to 10000/,
    );
    await expect(traces('generate', '--seed', '1')).rejects.toThrow(/--family <name> or --corpus is required/);
  });

  it('generate --corpus --out writes every corpus trace, each loadable by simulate', async () => {
    const out = join(dir, 'corpus');
    const printed = await traces('generate', '--corpus', '--out', out);
    const members = corpusMembers(shippedCorpus());
    expect(printed).toContain(`${members.length} traces written to ${out}`);
    expect(readdirSync(out).length).toBe(members.length);
    const file = join(out, 'step-4.json');
    expect(loadTrace(file)).toEqual(loadTrace('corpus:step-4'));
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ name: 'step-4' });
  });
});
