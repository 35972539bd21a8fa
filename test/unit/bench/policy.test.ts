import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'bench-policy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `npm run bench:policy -- <args>` the way npm does (tsx on the entry file). */
const bench = (...args: string[]) =>
  spawnSync(join(root, 'node_modules', '.bin', 'tsx'), ['bench/policy.ts', ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
  });

describe('npm run bench:policy', () => {
  it('--help prints the help and simulates nothing (no table, nothing written)', () => {
    const out = join(dir, 'help');
    const result = bench('--help', '--out', out);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/Usage: bench:policy \[options\]/);
    expect(result.stdout + result.stderr).not.toMatch(/[┌│]|traces x|rows:/);
    expect(existsSync(out)).toBe(false);
  });

  it('a bad flag exits 1 with the problem, having simulated nothing', () => {
    const out = join(dir, 'bad');
    const result = bench('--models', 'fast', '--out', out);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/unknown model 'fast'/);
    expect(existsSync(out)).toBe(false);
  });

  it('runs one corpus family on two worker threads: per-trace and per-family verdicts, rows written', () => {
    const out = join(dir, 'noise');
    const result = bench('--corpus', '--family', 'noise', '--jobs', '2', '--out', out);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/\$ npm run bench:policy -- --corpus --family noise/);
    expect(result.stdout).toMatch(/│ noise-1 +│/);
    expect(result.stdout).toMatch(/│ noise +│ 11 +│/);
    expect(result.stdout).toMatch(/over target <= every baseline: \d+ PASS, \d+ MISS/);
    expect(existsSync(join(out, 'bench-policy-corpus-default.csv'))).toBe(true);
    expect(existsSync(join(out, 'bench-policy-corpus-default.json'))).toBe(true);
  }, 60_000);
});
