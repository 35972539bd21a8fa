/**
 * The house rules that a reader cannot see at a glance, checked on the whole tree: lambdas/ holds
 * exactly what the Lambda ships, unit tests mirror the source, and helpers that must exist once
 * (error text, schema messages, charts, metric names) have no copies.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const runtimeRooms = ['lambdas', 'simulator', 'local', 'lib', 'bin', 'consumer', 'tools', 'bench'];

function filesUnder(dir: string, pattern: RegExp): string[] {
  const absolute = join(root, dir);
  if (!existsSync(absolute)) return [];
  return readdirSync(absolute).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules') return [];
    return statSync(join(root, path)).isDirectory() ? filesUnder(path, pattern) : pattern.test(name) ? [path] : [];
  });
}

const sourceFiles = runtimeRooms.flatMap((room) => filesUnder(room, /\.ts$/)).filter((f) => !f.endsWith('.d.ts'));

describe('lambdas/ is exactly what the Lambda ships', () => {
  it('every .ts file under lambdas/ is in the handler bundle (esbuild metafile)', async () => {
    const handlers = filesUnder('lambdas/handlers', /\.ts$/).map((file) => join(root, file));
    const result = await build({
      entryPoints: handlers,
      bundle: true,
      write: false,
      metafile: true,
      platform: 'node',
      format: 'esm',
      outdir: join(root, 'cdk.out', 'house-probe'),
      packages: 'external',
      logLevel: 'silent',
    });
    const bundled = new Set(Object.keys(result.metafile.inputs).map((input) => relative(root, join(root, input))));
    const missing = filesUnder('lambdas', /\.ts$/).filter((file) => !bundled.has(file));
    expect(missing, 'files under lambdas/ that no handler reaches: move them to local/, simulator/ or bin/').toEqual(
      [],
    );
  });
});

describe('the construct library is used through its public entry, as a user would', () => {
  it('tests, the example and bin/ import lib/ only as the package (kafka-lag-autoscaler)', () => {
    const users = ['test', 'example', 'bin', 'tools'].flatMap((dir) => filesUnder(dir, /\.ts$/));
    const offenders = users.filter((file) =>
      /from '(\.\.?\/)+lib(\/[^']*)?'/.test(readFileSync(join(root, file), 'utf8')),
    );
    expect(offenders, 'import from kafka-lag-autoscaler instead: only what lib/index.ts exports is API').toEqual([]);
  });
});

describe('tests mirror the source', () => {
  /** `test/unit/a/b.test.ts` or `test/unit/a/b.property.test.ts` -> the source `a/b.ts` (or `.js`, or a folder `a/b/`). */
  const sourceOf = (test: string): string[] => {
    const base = relative(join('test', 'unit'), test).replace(/\.test\.ts$/, '');
    const withoutVariant = base.replace(/\.[a-z-]+$/, '');
    return [base, withoutVariant].flatMap((path) => [`${path}.ts`, `${path}.js`, path]);
  };

  it.each(filesUnder('test/unit', /\.test\.ts$/))('%s tests a file at the same path', (test) => {
    expect(sourceOf(test).some((candidate) => existsSync(join(root, candidate)))).toBe(true);
  });
});

describe('one home for each helper', () => {
  // Tests may spell metric names out (they check the published contract); the source may not.
  const offenders = (pattern: RegExp, home: readonly string[], withTests: boolean): string[] =>
    (withTests ? sourceFiles.concat(filesUnder('test', /\.ts$/)) : sourceFiles)
      .filter((file) => file !== 'test/infra/house.test.ts' && !home.includes(file))
      .filter((file) => pattern.test(readFileSync(join(root, file), 'utf8')));

  it.each([
    ['describing a thrown value', /instanceof Error \?/, ['lambdas/domain/errors.ts'], true],
    ['wording zod issues', /\.error\.issues\.map\(/, ['lambdas/domain/config/schema-issues.ts'], true],
    [
      'metric names',
      /'(SumOffsetLag|EstimatedMaxTimeLag|ScalerErrors|DesiredTasks)'/,
      ['lambdas/ports/metrics-sink.ts'],
      false,
    ],
    ['an error class outside the error families', /extends Error\b/, ['lambdas/domain/errors.ts'], true],
  ] as const)('%s lives in one place', (_what, pattern, home, withTests) => {
    expect(offenders(pattern, home, withTests)).toEqual([]);
  });
});
