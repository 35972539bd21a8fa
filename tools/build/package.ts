/**
 * Builds what the npm package ships into dist/ (`npm run build`; `npm pack` runs it as prepack):
 *
 *   dist/lambda/tick/index.mjs  the tick handler bundle + source map: the construct's code asset
 *   dist/lib/index.mjs          the construct library (aws-cdk-lib and constructs stay peer imports)
 *   dist/bin/lagscaler.mjs      the command line, every dependency bundled in
 *   dist/types/                 declarations of the public API: lib/index.d.ts and what it reaches
 *
 * Each part is rebuilt only when a hash of its inputs changed (stamps in dist/.stamps/), so test
 * setups can call it every time. Usage: `tsx tools/build/package.ts [--force] [part ...]`.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { build, type BuildOptions } from 'esbuild';
import { collectDeclarations } from './declarations';

export const ROOT = join(import.meta.dirname, '..', '..');
export const DIST = join(ROOT, 'dist');

/** The parts of the package, each with the sources it is built from. */
export const PARTS = {
  lambda: { inputs: ['lambdas', 'package-lock.json'], outputs: ['dist/lambda'] },
  lib: { inputs: ['lib', 'lambdas/domain', 'lambdas/ports', 'package-lock.json'], outputs: ['dist/lib'] },
  cli: { inputs: ['bin', 'lambdas', 'simulator', 'local', 'package-lock.json'], outputs: ['dist/bin'] },
  types: {
    inputs: ['lib', 'lambdas', 'tsconfig.json', 'tsconfig.build.json', 'package.json'],
    outputs: ['dist/types'],
  },
} as const;

export type Part = keyof typeof PARTS;

// kafkajs and some SDK dependencies are CommonJS and call require(); ESM output needs one.
const REQUIRE_SHIM = "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";

const common: BuildOptions = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  mainFields: ['module', 'main'],
  logLevel: 'warning',
  legalComments: 'none',
};

const builders: Record<Part, () => Promise<void>> = {
  // The same options the construct's NodejsFunction used to bundle with at synth time; the SDK is
  // bundled too, so the function runs the client versions the tests ran, not the runtime's.
  lambda: async () => {
    await build({
      ...common,
      entryPoints: [join(ROOT, 'lambdas', 'handlers', 'tick.ts')],
      outfile: join(DIST, 'lambda', 'tick', 'index.mjs'),
      minify: true,
      sourcemap: true,
      sourcesContent: false,
      banner: { js: REQUIRE_SHIM },
    });
  },
  // Not minified: users read its stack traces. The schema (zod) is bundled, so the only imports
  // left are the peer dependencies.
  lib: async () => {
    await build({
      ...common,
      entryPoints: [join(ROOT, 'lib', 'index.ts')],
      outfile: join(DIST, 'lib', 'index.mjs'),
      external: ['aws-cdk-lib', 'aws-cdk-lib/*', 'constructs'],
    });
  },
  // One file: `npx lagscaler` needs no dependency installed (kafkajs, commander, zod, the MSK signer).
  cli: async () => {
    await build({
      ...common,
      entryPoints: [join(ROOT, 'bin', 'lagscaler.ts')],
      outfile: join(DIST, 'bin', 'lagscaler.mjs'),
      minify: true,
      banner: { js: REQUIRE_SHIM },
    });
  },
  types: async () => {
    const out = join(ROOT, '.cache', 'build', 'types');
    rmSync(out, { recursive: true, force: true });
    execFileSync(
      process.execPath,
      [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'],
      {
        cwd: ROOT,
        stdio: 'inherit',
      },
    );
    collectDeclarations({ emitted: out, entry: join('lib', 'index.d.ts'), target: join(DIST, 'types') });
  },
};

function filesUnder(path: string): string[] {
  const absolute = join(ROOT, path);
  if (!existsSync(absolute)) return [];
  if (!statSync(absolute).isDirectory()) return [path];
  return readdirSync(absolute)
    .filter((name) => name !== 'node_modules')
    .flatMap((name) => filesUnder(join(path, name)));
}

/** A hash of a part's inputs and of this build's own code. */
export function inputHash(part: Part): string {
  const hash = createHash('sha256');
  const files = [...PARTS[part].inputs, 'tools/build'].flatMap(filesUnder).sort();
  for (const file of files)
    hash
      .update(`${file}\0`)
      .update(readFileSync(join(ROOT, file)))
      .update('\0');
  return hash.digest('hex');
}

const stampOf = (part: Part): string => join(DIST, '.stamps', `${part}.sha256`);

/** Builds the parts whose inputs changed since their last build (all of them with force); returns those built. */
export async function buildPackage(options: { parts?: readonly Part[]; force?: boolean } = {}): Promise<Part[]> {
  const built: Part[] = [];
  for (const part of options.parts ?? (Object.keys(PARTS) as Part[])) {
    const hash = inputHash(part);
    const stamp = stampOf(part);
    const outputsExist = PARTS[part].outputs.every((output) => existsSync(join(ROOT, output)));
    if (!options.force && outputsExist && existsSync(stamp) && readFileSync(stamp, 'utf8') === hash) continue;
    for (const output of PARTS[part].outputs) rmSync(join(ROOT, output), { recursive: true, force: true });
    const started = Date.now();
    await builders[part]();
    mkdirSync(dirname(stamp), { recursive: true });
    writeFileSync(stamp, hash);
    console.error(
      `[build] ${part}: ${relative(ROOT, join(ROOT, PARTS[part].outputs[0]))} in ${Date.now() - started} ms`,
    );
    built.push(part);
  }
  return built;
}

if (process.argv[1] !== undefined && import.meta.filename === process.argv[1]) {
  const args = process.argv.slice(2);
  const parts = args.filter((arg) => arg !== '--force');
  const unknown = parts.filter((part) => !(part in PARTS));
  if (unknown.length > 0) {
    console.error(`build: unknown part(s) ${unknown.join(', ')}; parts: ${Object.keys(PARTS).join(', ')}`);
    process.exit(2);
  }
  const built = await buildPackage({
    parts: parts.length > 0 ? (parts as Part[]) : undefined,
    force: args.includes('--force'),
  });
  if (built.length === 0) console.error('[build] up to date');
}
