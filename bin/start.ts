/**
 * `npm start`: the product doing its job on this machine in one command. Starts the embedded Kafka
 * (the dev-services tool), creates the hospital topic, produces a calm -> burst -> calm load, and
 * runs the scaler's tick every few seconds against three departments' consumer processes, with a
 * live view; on exit (duration or Ctrl-C) stops everything it started and writes the report.
 */
import { Command, Option } from 'commander';
import { resolve } from 'node:path';
import { defaultProfileSpec, profileSeconds } from '#local/load-profile';
import { describeError } from '#domain/errors';
import { policyConfigOrThrow } from '#domain/policy/index';
import { installSignalHandlers, repoRoot, runSession } from '#local/session';
import { loadProfile, policyOverrides, positiveNumber } from './commands/run-profile';
import { demoDepartments, demoPolicy, localScalerConfig } from '#local/demo';
import { down, up } from '../tools/services/manager';

interface StartFlags {
  readonly profile: string;
  readonly duration?: string;
  readonly interval: string;
  readonly partitions: string;
  readonly topic: string;
  readonly groups: string;
  readonly initialTasks: string;
  readonly faultyStarts: string;
  readonly lagTarget: string;
  readonly policy?: string;
  readonly dryRun: boolean;
  readonly keepOffsets: boolean;
  readonly reportDir: string;
  readonly traceStepSeconds: string;
  readonly tracePeakRate: string;
}

const program = new Command('npm start --')
  .description('run the autoscaler locally: embedded Kafka, a load profile, real consumer processes, live view, report')
  .option(
    '--profile <spec|file|trace:name>',
    'load: name:seconds@rate,... or a JSON profile or trace file',
    defaultProfileSpec,
  )
  .option('--duration <seconds>', 'stop after this long (default: the profile plus 20 s)')
  .option('--interval <seconds>', 'seconds between ticks', '3')
  .option('--partitions <n>', 'partitions of the topic', '12')
  .option('--topic <name>', 'the topic', 'patient-checkout')
  .option(
    '--groups <list>',
    `departments to run, of ${demoDepartments.map((d) => d.group).join(',')}`,
    demoDepartments.map((d) => d.group).join(','),
  )
  .option('--initial-tasks <n>', 'consumer processes per group at the start', '1')
  .option('--faulty-starts <n>', 'make the first n consumer starts crash (shows crash handling)', '0')
  .option('--lag-target <seconds>', 'time lag the reaction measurement counts as back under target', '5')
  .option('--policy <json>', 'policy fields over the demo policy, e.g. \'{"drainTargetSeconds":30}\'')
  .option('--dry-run', 'decide and record, start and stop nothing', false)
  .option('--keep-offsets', "keep the groups' committed offsets (default: start at the end of the topic)", false)
  .option('--report-dir <dir>', 'where the HTML report goes', 'reports')
  .addOption(new Option('--trace-step-seconds <s>', 'a trace step lasts this long locally').default('10'))
  .addOption(new Option('--trace-peak-rate <n>', "a trace's peak rate becomes this many records/s").default('600'))
  .showHelpAfterError();

async function main(): Promise<number> {
  program.parse(process.argv);
  const flags = program.opts<StartFlags>();
  // Every flag is checked before anything starts: a bad profile must not cost a broker start.
  const profile = loadProfile(flags.profile, {
    stepSeconds: positiveNumber('--trace-step-seconds', flags.traceStepSeconds),
    peakRatePerSecond: positiveNumber('--trace-peak-rate', flags.tracePeakRate),
  });
  const durationSeconds =
    flags.duration === undefined ? profileSeconds(profile) + 20 : positiveNumber('--duration', flags.duration);
  const names = flags.groups.split(',').map((g) => g.trim());
  const groups = names.map((name) => {
    const found = demoDepartments.find((d) => d.group === name);
    if (!found)
      throw new Error(
        `--groups: unknown department '${name}'; choose from ${demoDepartments.map((d) => d.group).join(', ')}`,
      );
    return found;
  });
  const policy = { ...demoPolicy, ...policyOverrides(flags.policy) };
  policyConfigOrThrow(policy);
  const controller = new AbortController();
  const registerProcesses = installSignalHandlers(controller);

  process.stdout.write('[start] starting the embedded Kafka (first run downloads it; later runs take seconds)...\n');
  const { services, started } = await up(['kafka']);
  try {
    const kafka = services.kafka;
    if (!kafka) throw new Error('the services tool returned no Kafka');
    if (controller.signal.aborted) return 130;
    const config = localScalerConfig({
      brokers: [kafka.endpoint],
      topic: flags.topic,
      groups,
      policy,
      dryRun: flags.dryRun,
    });
    const result = await runSession({
      title: `lagscaler local run: ${groups.map((g) => g.group).join(', ')} on ${flags.topic}`,
      connection: { brokers: [kafka.endpoint] },
      config,
      topic: flags.topic,
      consumers: {
        byService: new Map(groups.map((g) => [g.group, g])),
        initialTasks: positiveNumber('--initial-tasks', flags.initialTasks, { integer: true, min: 1 }),
        faultyStarts: positiveNumber('--faulty-starts', flags.faultyStarts, { integer: true, min: 0 }),
      },
      load: { partitions: positiveNumber('--partitions', flags.partitions, { integer: true, min: 1 }), profile },
      startAtEnd: !flags.keepOffsets,
      intervalSeconds: positiveNumber('--interval', flags.interval),
      durationSeconds,
      lagTargetSeconds: positiveNumber('--lag-target', flags.lagTarget),
      reportDirectory: resolve(repoRoot, flags.reportDir),
      workDirectory: resolve(repoRoot, '.cache', 'lagscaler-runs'),
      output: { write: (text) => process.stdout.write(text), isTTY: process.stdout.isTTY === true },
      signal: controller.signal,
      onProcesses: registerProcesses,
      settings: {
        profile: profile.phases.map((p) => `${p.name} ${p.seconds} s @ ${p.ratePerSecond}/s`).join(', '),
        'tick interval': `${flags.interval} s`,
        partitions: flags.partitions,
        groups: groups.map((g) => `${g.group} (${g.processingTimeMs} ms/record)`).join(', '),
        policy: JSON.stringify(policy),
      },
    });
    return result.ticks > 0 ? 0 : 1;
  } finally {
    if (started.length > 0) {
      process.stdout.write(`[start] stopping the services this run started: ${started.join(', ')}\n`);
      await down(started);
    }
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`npm start: ${describeError(error)}\n`);
    process.exit(1);
  },
);
