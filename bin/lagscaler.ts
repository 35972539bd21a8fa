#!/usr/bin/env node
import { Command } from 'commander';
import { registerLag } from './commands/lag';
import { registerSimulate } from './commands/simulate';
import { registerRun } from './commands/run';
import { registerTraces } from './commands/traces';
import { describeError } from '#domain/errors';

/** The command line: one subcommand per file in bin/commands/, each registered here. */
const program = new Command('lagscaler')
  .description('Kafka consumer-lag monitor and autoscaler for ECS services')
  .showHelpAfterError()
  .exitOverride();

registerLag(program);
registerSimulate(program);
registerRun(program);
registerTraces(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  // commander has already printed usage errors and help; anything else is ours to explain.
  const code = (error as { exitCode?: number }).exitCode;
  if (typeof code === 'number') process.exit(code);
  console.error(`lagscaler: ${describeError(error)}`);
  process.exit(1);
});
