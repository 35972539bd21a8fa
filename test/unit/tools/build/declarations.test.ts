import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { collectDeclarations, DeclarationError } from '../../../../tools/build/declarations';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** An emitted-declarations folder with these files, and an empty target folder. */
function emitted(files: Record<string, string>): { emitted: string; target: string } {
  const root = mkdtempSync(join(tmpdir(), 'kla-declarations-'));
  dirs.push(root);
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, 'emitted', file)), { recursive: true });
    writeFileSync(join(root, 'emitted', file), text);
  }
  return { emitted: join(root, 'emitted'), target: join(root, 'target') };
}

const collect = (folders: { emitted: string; target: string }) =>
  collectDeclarations({ ...folders, entry: 'lib/index.d.ts' });

describe('collectDeclarations', () => {
  it('ships what the entry reaches, with relative .js specifiers, aliases resolved and comments untouched', () => {
    const folders = emitted({
      'lib/index.d.ts': [
        "/** Use it as `import { A } from 'kafka-lag-autoscaler'`. */",
        "export { A } from './a';",
        "export type { B } from '#domain/b';",
        "export type C = import('./nested').C;",
      ].join('\n'),
      'lib/a.d.ts':
        "import { Construct } from 'constructs';\nimport type * as iam from 'aws-cdk-lib/aws-iam';\nexport declare class A extends Construct { readonly role: iam.IRole; }\n",
      'lib/nested/index.d.ts': 'export interface C { readonly c: string; }\n',
      'lambdas/domain/b.d.ts': 'export interface B { readonly b: number; }\n',
      'lib/internal.d.ts': "import * as z from 'zod';\nexport declare const schema: z.ZodString;\n",
    });
    const shipped = collect(folders);
    expect(shipped.map((f) => f.replace(/^.*target\//, '')).sort()).toEqual([
      'lambdas/domain/b.d.ts',
      'lib/a.d.ts',
      'lib/index.d.ts',
      'lib/nested/index.d.ts',
    ]);
    expect(readFileSync(join(folders.target, 'lib/index.d.ts'), 'utf8')).toBe(
      [
        "/** Use it as `import { A } from 'kafka-lag-autoscaler'`. */",
        "export { A } from './a.js';",
        "export type { B } from '../lambdas/domain/b.js';",
        "export type C = import('./nested/index.js').C;",
      ].join('\n'),
    );
    expect(readFileSync(join(folders.target, 'lib/a.d.ts'), 'utf8')).toContain("from 'aws-cdk-lib/aws-iam'");
    expect(existsSync(join(folders.target, 'lib/internal.d.ts'))).toBe(false);
  });

  it.each([
    [
      'a dependency that is not a peer',
      "import type * as z from 'zod';\nexport type S = z.ZodString;\n",
      /imports 'zod'/,
    ],
    ['a file that was not emitted', "export { X } from './missing';\n", /imports '\.\/missing'/],
    ['types other than node', '/// <reference types="jest" />\nexport {};\n', /references 'jest'/],
  ])('fails the build on %s, naming the file', (_case, text, problem) => {
    const folders = emitted({ 'lib/index.d.ts': "export * from './api';\n", 'lib/api.d.ts': text });
    expect(() => collect(folders)).toThrow(DeclarationError);
    expect(() => collect(folders)).toThrow(problem);
    expect(() => collect(folders)).toThrow(/lib\/api\.d\.ts/);
  });
});
