/**
 * Picks the declarations the package ships: starting at the public entry (lib/index.d.ts as tsc
 * emitted it), follows its imports and copies exactly the files it reaches. Module specifiers are
 * rewritten so they resolve under every TypeScript resolution mode a CDK app uses (relative, with a
 * `.js` extension: NodeNext needs it, Bundler and Node10 accept it), `#alias/...` imports become
 * relative paths, and any other import must be a peer dependency: a declaration that needs zod,
 * the AWS SDK or a file outside the package fails the build instead of reaching a user as `any`.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, posix, relative, sep } from 'node:path';
import ts from 'typescript';
import { ProjectError } from '../../lambdas/domain/errors';

/** The shipped declarations would not resolve in a user's app. */
export class DeclarationError extends ProjectError {
  override name = 'DeclarationError';
}

/** Packages a declaration may import: the peer dependencies, which every app using the package has. */
const PEER_IMPORT = /^(aws-cdk-lib|aws-cdk-lib\/.+|constructs)$/;

/** package.json "imports": `#domain/*` -> `./lambdas/domain/*.ts`. */
function aliases(root: string): [prefix: string, target: string][] {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { imports?: Record<string, string> };
  return Object.entries(pkg.imports ?? {}).map(([alias, target]) => [
    alias.replace(/\*$/, ''),
    target.replace(/^\.\//, '').replace(/\*\.ts$/, ''),
  ]);
}

/** The emitted declaration a specifier in `from` (a path relative to the emitted root) points at. */
function resolveSpecifier(
  emitted: string,
  from: string,
  specifier: string,
  aliasList: readonly [string, string][],
): string | undefined {
  let base: string | undefined;
  if (specifier.startsWith('.')) base = posix.join(posix.dirname(from), specifier);
  const alias = aliasList.find(([prefix]) => specifier.startsWith(prefix));
  if (alias) base = alias[1] + specifier.slice(alias[0].length);
  if (base === undefined) return undefined;
  const stem = base.replace(/\.(js|ts|mjs)$/, '');
  return [`${stem}.d.ts`, `${stem}/index.d.ts`].find((candidate) => existsSync(join(emitted, candidate)));
}

/** Copies the declarations reachable from `entry` (relative to `emitted`) into `target`, imports rewritten. */
export function collectDeclarations(options: { emitted: string; entry: string; target: string }): string[] {
  const root = join(import.meta.dirname, '..', '..');
  const aliasList = aliases(root);
  const entry = options.entry.split(sep).join('/');
  const queue = [entry];
  const done = new Set<string>();
  while (queue.length > 0) {
    const file = queue.shift() ?? '';
    if (done.has(file)) continue;
    done.add(file);
    const text = readFileSync(join(options.emitted, file), 'utf8');
    const problems: string[] = [];
    // TypeScript's own scanner finds the module specifiers (imports, re-exports, import types), not comments.
    const { importedFiles, typeReferenceDirectives, referencedFiles } = ts.preProcessFile(text, true, false);
    let rewritten = '';
    let at = 0;
    for (const { fileName: specifier, pos } of importedFiles) {
      if (PEER_IMPORT.test(specifier)) continue;
      const resolved = resolveSpecifier(options.emitted, file, specifier, aliasList);
      if (resolved === undefined) {
        problems.push(`${file} imports '${specifier}', which is neither shipped nor a peer dependency`);
        continue;
      }
      queue.push(resolved);
      let path = posix.relative(posix.dirname(file), resolved).replace(/\.d\.ts$/, '.js');
      if (!path.startsWith('.')) path = `./${path}`;
      // `pos` is at (or just before) the specifier's opening quote.
      const start = text.indexOf(specifier, pos);
      rewritten += text.slice(at, start) + path;
      at = start + specifier.length;
    }
    rewritten += text.slice(at);
    for (const reference of [...typeReferenceDirectives, ...referencedFiles]) {
      if (reference.fileName !== 'node') problems.push(`${file} references '${reference.fileName}'`);
    }
    if (problems.length > 0) throw new DeclarationError(`declarations of the public API:\n  ${problems.join('\n  ')}`);
    const out = join(options.target, file);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, rewritten);
  }
  return [...done].map((file) => relative(root, join(options.target, file)));
}
