import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';

/** Proves the lint rule that keeps lambdas/domain pure actually fires (and stays quiet on pure code). */
describe('lambdas/domain import boundary', () => {
  // The probe file does not exist on disk, so typed rules (which need the TS project) are off here.
  const eslint = new ESLint({ overrideConfig: tseslint.configs.disableTypeChecked });
  const lint = async (code: string): Promise<string[]> => {
    const [result] = await eslint.lintText(code, { filePath: 'lambdas/domain/boundary-probe.ts' });
    return (result?.messages ?? []).map((message) => message.ruleId ?? message.message);
  };

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
