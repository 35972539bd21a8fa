import { describe, expect, it, vi } from 'vitest';
import { defaultSimulationOptions } from '#simulator/index';
import { benchCommand, benchPolicyProgram, customModel, namedModels, type BenchPlan } from '../../../bench/policy-cli';

/** Parses bench:policy flags; returns the plan `run` got (undefined if it was not called) and what was printed. */
async function parse(...args: string[]): Promise<{ plan: BenchPlan | undefined; printed: string; exitCode?: number }> {
  const run = vi.fn(async (_plan: BenchPlan) => undefined);
  let printed = '';
  const program = benchPolicyProgram(run)
    .exitOverride()
    .configureOutput({ writeOut: (text) => void (printed += text), writeErr: (text) => void (printed += text) });
  try {
    await program.parseAsync(['node', 'bench/policy.ts', ...args]);
  } catch (error) {
    return { plan: run.mock.calls[0]?.[0], printed, exitCode: (error as { exitCode?: number }).exitCode };
  }
  return { plan: run.mock.calls[0]?.[0], printed };
}

describe('bench:policy flags', () => {
  it('--help prints the options and runs nothing', async () => {
    const { plan, printed, exitCode } = await parse('--help');
    expect(plan).toBeUndefined();
    expect(exitCode).toBe(0);
    expect(printed).toMatch(/Usage: bench:policy \[options\]/);
    for (const flag of [
      '--corpus',
      '--family',
      '--models',
      '--pause',
      '--start-delay',
      '--assignor',
      '--jobs',
      '--out',
    ])
      expect(printed).toContain(flag);
  });

  it('no flags: the shipped traces under the default model', async () => {
    const { plan } = await parse('--jobs', '1');
    expect(plan).toEqual({ corpus: false, families: undefined, models: [namedModels[0]], jobs: 1, out: 'reports' });
  });

  it('--corpus --models all: the corpus under every named model', async () => {
    const { plan } = await parse('--corpus', '--models', 'all', '--family', 'ramp,step');
    expect(plan?.models.map((model) => model.name)).toEqual([
      'default',
      'pause-15',
      'start-delay-90',
      'cooperative-sticky',
    ]);
    expect([plan?.corpus, plan?.families]).toEqual([true, ['ramp', 'step']]);
  });

  it('--pause 15 is the named pause-15 model; other values make a model of their own', async () => {
    expect((await parse('--pause', '15')).plan?.models).toEqual([namedModels[1]]);
    const [custom] = (await parse('--pause', '5', '--assignor', 'roundrobin')).plan?.models ?? [];
    expect(custom).toEqual({
      name: 'pause-5-assignor-roundrobin',
      options: { ...defaultSimulationOptions, rebalancePauseSeconds: 5, assignor: 'roundrobin' },
      flags: ['--pause', '5', '--assignor', 'roundrobin'],
    });
  });

  it.each([
    [['--models', 'fast'], /unknown model 'fast'; expected all or default, pause-15/],
    [['--pause', '-1'], /--pause must be a number of seconds >= 0, got '-1'/],
    [['--assignor', 'sticky'], /Allowed choices are range, roundrobin, cooperative-sticky/],
    [['--jobs', '0'], /--jobs must be a whole number from 1 to 64/],
    [['--corpus', '--family', 'ramps'], /unknown family 'ramps'/],
    [['--family', 'ramp'], /--family needs --corpus/],
    [['--models', 'all', '--pause', '15'], /--models and --pause\/--start-delay\/--assignor exclude each other/],
    [['--trace', 'x'], /unknown option '--trace'/],
  ])('%j is refused before anything runs', async (args, expected) => {
    const { plan, printed, exitCode } = await parse(...args);
    expect(plan).toBeUndefined();
    expect(exitCode).toBe(1);
    expect(printed).toMatch(expected);
  });
});

describe('benchCommand', () => {
  it.each([
    [{ corpus: false, families: undefined }, namedModels[0], 'npm run bench:policy'],
    [{ corpus: true, families: undefined }, namedModels[1], 'npm run bench:policy -- --corpus --pause 15'],
    [
      { corpus: true, families: ['noise'] },
      namedModels[3],
      'npm run bench:policy -- --corpus --family noise --assignor cooperative-sticky',
    ],
  ] as const)('%j %s', (plan, model, expected) => {
    expect(model === undefined ? '' : benchCommand(plan, model)).toBe(expected);
  });

  it('customModel with nothing given is the default model', () => {
    expect(customModel({})).toBe(namedModels[0]);
  });
});
