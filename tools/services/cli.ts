import { parseArgs } from 'node:util';
import { clientEnvironment, down, parseNames, status, up } from './manager';
import { ServiceError } from './proc';
import { serviceNames } from './types';

const usage = `usage: services <up|down|status> [kafka|kafka39|localstack|moto|toxiproxy|kafka-faults ...] [--json]
  up      install (cached) and start the services, wait until healthy; idempotent
  down    stop exactly the processes 'up' started (PIDs in .services/state.json)
  status  where each service is; --json for scripts`;

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
  });
  const [command, ...rest] = positionals;
  if (values.help || command === undefined) {
    console.log(usage);
    return command === undefined && !values.help ? 2 : 0;
  }
  const names = parseNames(rest);
  switch (command) {
    case 'up': {
      const result = await up(names);
      if (values.json) console.log(JSON.stringify({ ...result, env: clientEnvironment(result.services) }, null, 2));
      return 0;
    }
    case 'down':
      // With no names, stop everything this tool started (the opt-in kafka39 too).
      await down(rest.length === 0 ? serviceNames : names);
      return 0;
    case 'status': {
      const statuses = await status(names);
      if (values.json) {
        console.log(JSON.stringify(statuses, null, 2));
      } else {
        for (const s of statuses) {
          const where = s.running ? `PID ${s.pid} at ${s.endpoint} (log ${s.logFile})` : '';
          console.log(`${s.name.padEnd(11)} ${s.healthy ? 'healthy' : s.running ? 'UNHEALTHY' : 'stopped'} ${where}`);
        }
      }
      return statuses.every((s) => s.healthy) ? 0 : 3;
    }
    default:
      console.error(`unknown command '${command}'\n${usage}`);
      return 2;
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof ServiceError ? `services: ${error.message}` : error);
    process.exit(1);
  },
);
