/**
 * The package as a user gets it: `npm pack` (its prepack builds dist/), the tarball installed into a
 * fresh CDK app outside the repository with aws-cdk-lib, constructs and cdk-nag from the registry
 * (npm's cache, --prefer-offline), the app (test/infra/fresh-app/app.ts, laid out like `cdk init`:
 * CommonJS, NodeNext) importing KafkaLagScaler by name, type-checked, synthesized by the CDK CLI
 * with cdk-nag's AwsSolutions checks, and `npx lagscaler` run from the app.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const bin = (pkg: string, file: string): string => join(ROOT, 'node_modules', pkg, file);
const versionOf = (pkg: string): string =>
  (JSON.parse(readFileSync(join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;

interface Packed {
  readonly filename: string;
  readonly size: number;
  readonly unpackedSize: number;
  readonly files: readonly { readonly path: string }[];
}

/** Runs a command, failing with its output when it fails (unless a failure is expected). */
function run(command: string, args: readonly string[], cwd: string, expectFailure = false): SpawnSyncReturns<string> {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 300_000, maxBuffer: 64 * 1024 * 1024 });
  if (!expectFailure && result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited ${result.status}:\n${result.stdout}\n${result.stderr}`);
  }
  return result;
}

/** Seconds since `start`, for the timings the test prints. */
const since = (start: number): number => Math.round((Date.now() - start) / 100) / 10;

// A CommonJS app with NodeNext resolution, as `cdk init app --language typescript` creates it.
const APP_PACKAGE = { name: 'fresh-app', version: '0.0.0', private: true };
const APP_TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    lib: ['es2022'],
    strict: true,
    skipLibCheck: true,
    isolatedModules: true,
    types: [],
    rootDir: '.',
    outDir: 'build',
  },
  include: ['bin'],
};

describe('the npm package in a fresh CDK app outside the repository', () => {
  const work = mkdtempSync(join(tmpdir(), 'kla-package-'));
  const app = join(work, 'app');
  const timings: Record<string, number> = {};
  let packed: Packed;
  let synth: SpawnSyncReturns<string>;

  beforeAll(() => {
    let start = Date.now();
    const pack = run('npm', ['pack', '--json', '--pack-destination', work], ROOT);
    timings['npm pack (build cached)'] = since(start);
    [packed] = JSON.parse(pack.stdout) as [Packed];

    mkdirSync(join(app, 'bin'), { recursive: true });
    writeFileSync(join(app, 'package.json'), JSON.stringify(APP_PACKAGE, null, 2));
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify(APP_TSCONFIG, null, 2));
    cpSync(join(import.meta.dirname, 'fresh-app', 'app.ts'), join(app, 'bin', 'app.ts'));
    start = Date.now();
    run(
      'npm',
      [
        'install',
        '--no-audit',
        '--no-fund',
        '--prefer-offline',
        join(work, packed.filename),
        `aws-cdk-lib@${versionOf('aws-cdk-lib')}`,
        `constructs@${versionOf('constructs')}`,
        `cdk-nag@${versionOf('cdk-nag')}`,
      ],
      app,
    );
    timings['npm install (tarball + peers + cdk-nag)'] = since(start);
    start = Date.now();
    run(process.execPath, [bin('typescript', 'bin/tsc'), '-p', 'tsconfig.json'], app);
    timings['tsc (the app against the shipped declarations)'] = since(start);
    start = Date.now();
    synth = run(process.execPath, [bin('aws-cdk', 'bin/cdk'), 'synth', '--app', 'node build/bin/app.js', '-q'], app);
    timings['cdk synth with cdk-nag'] = since(start);
  }, 900_000);

  afterAll(() => {
    console.log(`package timings (s): ${JSON.stringify(timings)}; tarball ${packed?.size ?? '?'} bytes`);
    rmSync(work, { recursive: true, force: true });
  }, 120_000); // the app's node_modules (aws-cdk-lib) take a while to delete on a busy machine

  it('is under 3 MB and holds the built library, declarations, prebuilt handler, command line and traces only', () => {
    expect(packed.size).toBeLessThan(3 * 1024 * 1024);
    const paths = packed.files.map((f) => f.path);
    for (const file of [
      'dist/lib/index.mjs',
      'dist/types/lib/index.d.ts',
      'dist/lambda/tick/index.mjs',
      'dist/lambda/tick/index.mjs.map',
      'dist/bin/lagscaler.mjs',
      'simulator/traces/steady.json',
    ]) {
      expect(paths).toContain(file);
    }
    const sources = paths.filter((path) => /\.ts$/.test(path) && !path.endsWith('.d.ts'));
    expect(sources, 'TypeScript sources in the tarball').toEqual([]);
    expect(paths.filter((path) => /^(lambdas|lib|test|local|tools)\//.test(path))).toEqual([]);
  });

  it("installs no dependencies of its own: its peers are the app's aws-cdk-lib and constructs", () => {
    const manifest = JSON.parse(
      readFileSync(join(app, 'node_modules', 'kafka-lag-autoscaler', 'package.json'), 'utf8'),
    ) as { dependencies?: object; peerDependencies?: object };
    expect(manifest.dependencies).toBeUndefined();
    expect(Object.keys(manifest.peerDependencies ?? {}).sort()).toEqual(['aws-cdk-lib', 'constructs']);
  });

  it('synthesizes the app with the prebuilt handler as its code asset, cdk-nag clean', () => {
    expect(synth.status).toBe(0);
    const template = JSON.parse(readFileSync(join(app, 'cdk.out', 'PlatformScaler.template.json'), 'utf8')) as {
      Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
    };
    const functions = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function');
    expect(functions).toHaveLength(1);
    expect(functions[0]?.Properties).toMatchObject({ Runtime: 'nodejs22.x', Handler: 'index.handler' });
    const assets = readdirSync(join(app, 'cdk.out')).filter((name) => name.startsWith('asset.'));
    expect(assets).toHaveLength(1);
    const handler = readFileSync(join(app, 'cdk.out', assets[0] ?? '', 'index.mjs'));
    expect(
      handler.equals(readFileSync(join(app, 'node_modules/kafka-lag-autoscaler/dist/lambda/tick/index.mjs'))),
    ).toBe(true);
  });

  it('fails synth on an unacknowledged cdk-nag finding in the same app setup (the checks do run)', () => {
    writeFileSync(
      join(app, 'nag-probe.js'),
      [
        "const { App, Stack, Validations } = require('aws-cdk-lib');",
        "const { AwsSolutionsChecks } = require('cdk-nag');",
        "const app = new App({ outdir: 'cdk.out.probe' });",
        "new (require('aws-cdk-lib/aws-sns').Topic)(new Stack(app, 'Probe'), 'Plain');",
        'Validations.of(app).addPlugins(new AwsSolutionsChecks(app));',
        'app.synth();',
      ].join('\n'),
    );
    const probe = run(process.execPath, ['nag-probe.js'], app, true);
    expect(probe.status).not.toBe(0);
    expect(probe.stdout + probe.stderr).toMatch(/AwsSolutions-SNS3/);
  });

  it('runs `npx lagscaler` from the app: help, and a simulation over a shipped trace', () => {
    const help = run('npx', ['--no-install', 'lagscaler', '--help'], app);
    expect(help.stdout).toMatch(/Commands:[\s\S]*\blag\b[\s\S]*\bsimulate\b/);
    expect(run('npx', ['--no-install', 'lagscaler', 'lag', '--help'], app).stdout).toContain('--brokers');
    const simulated = run(
      'npx',
      ['--no-install', 'lagscaler', 'simulate', '--trace', 'steady', '--policy', 'ours'],
      app,
    );
    expect(simulated.stdout).toMatch(/steady\s+│\s+ours/);
  });
});
