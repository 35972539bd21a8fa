/**
 * The flags of `npm run bench:policy` (commander, as bin/ does): which traces (shipped, or the corpus),
 * which simulation models (the default, the named variants the targets are checked under, or one built
 * from --pause/--start-delay/--assignor), how many worker threads. `--help` prints and runs nothing.
 */
import { availableParallelism } from 'node:os';
import { Command, InvalidArgumentError, Option } from 'commander';
import { describeError } from '#domain/errors';
import { defaultSimulationOptions, familyNames, type Assignor, type SimulationOptions } from '#simulator/index';

/** A simulation model the bench runs under, with the flags that reproduce it. */
export interface ModelVariant {
  readonly name: string;
  readonly options: SimulationOptions;
  /** The bench:policy flags for this model (empty for the default). */
  readonly flags: readonly string[];
}

/** The models the issue's targets must hold under: the default, and one change each. */
export const namedModels: readonly ModelVariant[] = [
  { name: 'default', options: defaultSimulationOptions, flags: [] },
  { name: 'pause-15', options: { ...defaultSimulationOptions, rebalancePauseSeconds: 15 }, flags: ['--pause', '15'] },
  {
    name: 'start-delay-90',
    options: { ...defaultSimulationOptions, taskStartSeconds: 90 },
    flags: ['--start-delay', '90'],
  },
  {
    name: 'cooperative-sticky',
    options: { ...defaultSimulationOptions, assignor: 'cooperative-sticky' },
    flags: ['--assignor', 'cooperative-sticky'],
  },
];

/** What one invocation runs. */
export interface BenchPlan {
  readonly corpus: boolean;
  /** Corpus families to run (all when undefined). */
  readonly families: readonly string[] | undefined;
  readonly models: readonly ModelVariant[];
  /** Worker threads; 1 runs everything in this thread. */
  readonly jobs: number;
  /** Where the HTML charts and the per-trace rows (JSON, CSV) go. */
  readonly out: string;
}

interface BenchFlags {
  readonly corpus?: boolean;
  readonly family?: readonly string[];
  readonly models?: readonly ModelVariant[];
  readonly pause?: number;
  readonly startDelay?: number;
  readonly assignor?: Assignor;
  readonly jobs: number;
  readonly out: string;
}

const seconds = (flag: string) => (value: string) => {
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed) || parsed < 0)
    throw new InvalidArgumentError(`${flag} must be a number of seconds >= 0, got '${value}'`);
  return parsed;
};

function modelList(value: string): readonly ModelVariant[] {
  if (value === 'all') return namedModels;
  return value.split(',').map((name) => {
    const model = namedModels.find((candidate) => candidate.name === name.trim());
    if (model === undefined)
      throw new InvalidArgumentError(
        `unknown model '${name}'; expected all or ${namedModels.map((m) => m.name).join(', ')}`,
      );
    return model;
  });
}

function familyList(value: string): readonly string[] {
  const names = value.split(',').map((name) => name.trim());
  const unknown = names.filter((name) => !familyNames.includes(name));
  if (unknown.length > 0)
    throw new InvalidArgumentError(`unknown family '${unknown.join(', ')}'; expected ${familyNames.join(', ')}`);
  return names;
}

function jobCount(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1 || parsed > 64)
    throw new InvalidArgumentError(`--jobs must be a whole number from 1 to 64, got '${value}'`);
  return parsed;
}

/** The model built from --pause, --start-delay and --assignor (the default where not given). */
export function customModel(flags: Pick<BenchFlags, 'pause' | 'startDelay' | 'assignor'>): ModelVariant {
  const options: SimulationOptions = {
    ...defaultSimulationOptions,
    rebalancePauseSeconds: flags.pause ?? defaultSimulationOptions.rebalancePauseSeconds,
    taskStartSeconds: flags.startDelay ?? defaultSimulationOptions.taskStartSeconds,
    assignor: flags.assignor ?? defaultSimulationOptions.assignor,
  };
  const given: [string, string | number | undefined][] = [
    ['--pause', flags.pause],
    ['--start-delay', flags.startDelay],
    ['--assignor', flags.assignor],
  ];
  const flagList = given.flatMap(([flag, value]) => (value === undefined ? [] : [flag, String(value)]));
  const named = namedModels.find((model) => model.flags.join(' ') === flagList.join(' '));
  return named ?? { name: flagList.join(' ').replace(/--/g, '').replace(/ /g, '-'), options, flags: flagList };
}

/** The plan from parsed flags; --models and the single-model flags exclude each other. */
export function planOf(flags: BenchFlags): BenchPlan {
  const custom = flags.pause !== undefined || flags.startDelay !== undefined || flags.assignor !== undefined;
  if (custom && flags.models !== undefined)
    throw new InvalidArgumentError('--models and --pause/--start-delay/--assignor exclude each other');
  if (flags.family !== undefined && flags.corpus !== true) throw new InvalidArgumentError('--family needs --corpus');
  return {
    corpus: flags.corpus === true,
    families: flags.family,
    models: flags.models ?? [customModel(flags)],
    jobs: flags.jobs,
    out: flags.out,
  };
}

/** The bench:policy command; `run` gets the plan (never called for --help or a flag error). */
export function benchPolicyProgram(run: (plan: BenchPlan) => Promise<void>): Command {
  return new Command('bench:policy')
    .description(
      'every shipped trace (or, with --corpus, every corpus trace) through ours and the baselines (KEDA+HPA, ECS target tracking, Cloud Run); prints the tables, the command for each, and PASS/MISS for each target per trace and per family',
    )
    .option('--corpus', 'run the corpus (simulator/corpus.json) instead of the shipped traces')
    .option('--family <names>', 'only these corpus families (comma list)', familyList)
    .option('--models <names>', `all, or a comma list of ${namedModels.map((m) => m.name).join(', ')}`, modelList)
    .option('--pause <seconds>', 'one model: rebalance pause on every membership change', seconds('--pause'))
    .option(
      '--start-delay <seconds>',
      'one model: seconds from task start to joining the group',
      seconds('--start-delay'),
    )
    .addOption(
      new Option('--assignor <name>', 'one model: partition assignor').choices([
        'range',
        'roundrobin',
        'cooperative-sticky',
      ]),
    )
    .option('--jobs <n>', 'worker threads (1: run in this thread)', jobCount, availableParallelism())
    .option('--out <dir>', 'where charts and per-trace rows (JSON, CSV) are written', 'reports')
    .showHelpAfterError()
    .action(async function (this: Command, flags: BenchFlags) {
      let plan: BenchPlan;
      try {
        plan = planOf(flags);
      } catch (error) {
        // Flag combinations commander cannot check itself are reported the way it reports its own.
        this.error(`error: ${describeError(error)}`);
      }
      await run(plan);
    });
}

/** The command line that reproduces one model's table. */
export function benchCommand(plan: Pick<BenchPlan, 'corpus' | 'families'>, model: ModelVariant): string {
  const flags = [
    ...(plan.corpus ? ['--corpus'] : []),
    ...(plan.families === undefined ? [] : ['--family', plan.families.join(',')]),
    ...model.flags,
  ];
  return `npm run bench:policy${flags.length > 0 ? ` -- ${flags.join(' ')}` : ''}`;
}
