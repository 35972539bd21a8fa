import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';

/** Proves the lint rule that keeps lambdas/domain pure actually fires (and stays quiet on pure code). */
// The probe files do not exist on disk, so typed rules (which need the TS project) are off here.
const eslint = new ESLint({ overrideConfig: tseslint.configs.disableTypeChecked });
const lintAt = async (filePath: string, code: string): Promise<string[]> => {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).map((message) => message.ruleId ?? message.message);
};

describe('lambdas/domain import boundary', () => {
  const lint = (code: string) => lintAt('lambdas/domain/boundary-probe.ts', code);

  it.each([
    ["import { Kafka } from 'kafkajs';", 'no-restricted-imports'],
    ["import { ECSClient } from '@aws-sdk/client-ecs';", 'no-restricted-imports'],
    ["import middy from '@middy/core';", 'no-restricted-imports'],
    ["import { readFileSync } from 'node:fs';", 'no-restricted-imports'],
    ["import { Stack } from 'aws-cdk-lib';", 'no-restricted-imports'],
    ["import type { OffsetReader } from '../ports/offset-reader';", 'no-restricted-imports'],
    ['export const region = process.env.AWS_REGION;', 'no-restricted-globals'],
    ['export const now = Date.now();', 'no-restricted-properties'],
  ])('rejects %s', async (code, rule) => {
    expect(await lint(`${code}\nexport {};\n`)).toContain(rule);
  });

  it('accepts pure code', async () => {
    expect(await lint('export const lag = (end: bigint, committed: bigint): bigint => end - committed;\n')).toEqual([]);
  });
});

describe('simulator/ is pure too', () => {
  it.each([
    ["import { readFileSync } from 'node:fs';", 'no-restricted-imports'],
    ["import { runTick } from '#application/tick';", 'no-restricted-imports'],
    ["import { runSession } from '#local/session';", 'no-restricted-imports'],
    ['export const seed = Math.random();', 'no-restricted-properties'],
  ])('rejects %s', async (code, rule) => {
    expect(await lintAt('simulator/boundary-probe.ts', `${code}\nexport {};\n`)).toContain(rule);
  });

  it('accepts pure code that uses the domain', async () => {
    expect(
      await lintAt('simulator/boundary-probe.ts', "export { decideScaling } from '#domain/policy/index';\n"),
    ).toEqual([]);
  });
});

describe('functions short enough to read at once', () => {
  const body = (lines: number): string =>
    `export function f(): number {\n${Array.from({ length: lines - 2 }, (_, i) => `  void ${i};`).join('\n')}\n}\n`;

  it.each([
    'lambdas/application/probe.ts',
    'simulator/probe.ts',
    'local/probe.ts',
    'lib/probe.ts',
    'bin/probe.ts',
    'consumer/probe.ts',
  ])('a function of 81 lines in %s is an error, one of 80 is not', async (file) => {
    expect(await lintAt(file, body(81))).toContain('max-lines-per-function');
    expect(await lintAt(file, body(80))).not.toContain('max-lines-per-function');
  });
});
