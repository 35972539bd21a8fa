/**
 * Entry point of the consumer image: `node consumer.mjs [flags]` (the bundle) or
 * `tsx consumer/main.ts [flags]` (flags override environment variables; see consumer/README.md).
 * Exit codes: 0 clean shutdown, 1 failure or shutdown timeout, 2 invalid configuration.
 *
 * The shutdown signals are caught before anything else is loaded: a SIGTERM that arrives while the
 * modules load, the client connects or the group is joined is a graceful stop, not a kill.
 */
import { SignalLatch } from './signals';

const signals = SignalLatch.install(process);
// The first log line (before the logger exists): from here on a SIGTERM is a graceful stop.
process.stdout.write(
  `${JSON.stringify({ level: 'INFO', message: 'signal handlers installed', service: 'lag-consumer', timestamp: new Date().toISOString(), pid: process.pid })}\n`,
);
const { runConsumer } = await import('./run');
process.exit(await runConsumer(signals, process.argv.slice(2), process.env));
