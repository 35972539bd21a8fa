import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { kafka, kafka39, kafkaFaults } from './kafka';
import { localstack } from './localstack';
import { moto } from './moto';
import { toxiproxy } from './toxiproxy';
import { describeError } from '#domain/errors';
import { stateDir, stateFile } from './paths';
import { isAlive, log, seconds, ServiceError, sleep, stopGroup } from './proc';
import {
  defaultServiceNames,
  serviceNames,
  type RunningService,
  type ServiceDefinition,
  type ServiceName,
} from './types';

const definitions: Readonly<Record<ServiceName, ServiceDefinition>> = {
  kafka,
  kafka39,
  localstack,
  moto,
  toxiproxy,
  'kafka-faults': kafkaFaults,
};

type State = Partial<Record<ServiceName, RunningService>>;

function readState(): State {
  if (!existsSync(stateFile)) return {};
  try {
    return JSON.parse(readFileSync(stateFile, 'utf8')) as State;
  } catch {
    return {};
  }
}

function writeState(state: State): void {
  mkdirSync(stateDir, { recursive: true });
  writeFileSync(stateFile, `${JSON.stringify(state, null, 2)}\n`);
}

/** One `up` or `down` at a time: a lock file holding the owner's PID (taken over when stale). */
async function withLock<T>(action: () => Promise<T>): Promise<T> {
  mkdirSync(stateDir, { recursive: true });
  const lock = join(stateDir, 'lock');
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch {
      const owner = Number(readFileSync(lock, 'utf8'));
      if (!Number.isInteger(owner) || !isAlive(owner)) rmSync(lock, { force: true });
      else if (Date.now() > deadline) throw new ServiceError(`another services command (PID ${owner}) holds ${lock}`);
      else await sleep(200);
    }
  }
  try {
    return await action();
  } finally {
    rmSync(lock, { force: true });
  }
}

export function parseNames(names: readonly string[]): ServiceName[] {
  if (names.length === 0) return [...defaultServiceNames];
  return names.map((name) => {
    if (!(serviceNames as readonly string[]).includes(name)) {
      throw new ServiceError(`unknown service '${name}'; choose from: ${serviceNames.join(', ')}`);
    }
    return name as ServiceName;
  });
}

export interface UpResult {
  readonly services: Readonly<Partial<Record<ServiceName, RunningService>>>;
  /** The services this call started (the ones it should stop again). */
  readonly started: readonly ServiceName[];
}

/** Installs (cached) and starts the named services; those already running and healthy are kept. */
export async function up(names: readonly ServiceName[] = defaultServiceNames): Promise<UpResult> {
  return await withLock(async () => {
    const state = readState();
    const toStart: ServiceName[] = [];
    for (const name of names) {
      const running = state[name];
      const current = running?.fingerprint === definitions[name].fingerprint();
      if (running && current && isAlive(running.pid) && (await definitions[name].healthy(running).catch(() => false))) {
        log(name, `already running (PID ${running.pid}) at ${running.endpoint}`);
        continue;
      }
      if (running) {
        const why = !isAlive(running.pid) ? 'gone' : !current ? 'started with an older configuration' : 'unhealthy';
        log(name, `stale state (PID ${running.pid} ${why}); cleaning up`);
        await stopGroup(running.pid);
        delete state[name];
        writeState(state);
      }
      toStart.push(name);
    }
    const started = Date.now();
    await Promise.all(toStart.map((name) => definitions[name].provision()));
    const outcomes = await Promise.allSettled(
      toStart.map(async (name) => {
        const begun = Date.now();
        log(name, 'starting...');
        const service = await definitions[name].start();
        state[name] = service;
        writeState(state);
        log(name, `healthy in ${seconds(begun)} (PID ${service.pid}) at ${service.endpoint}, log ${service.logFile}`);
        return service;
      }),
    );
    const failures = outcomes.filter((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
    if (failures.length > 0) {
      // Leave nothing behind: stop what this call started, including the ones that did come up.
      for (const name of toStart) {
        const service = state[name];
        if (service) await stopGroup(service.pid);
        delete state[name];
      }
      writeState(state);
      throw new ServiceError(failures.map((failure) => describeError(failure.reason)).join('\n\n'));
    }
    if (toStart.length > 0) log('services', `up in ${seconds(started)}`);
    return { services: Object.fromEntries(names.map((name) => [name, state[name]])), started: toStart };
  });
}

/** Stops exactly the processes recorded in the state file (by PID group) and forgets them. */
export async function down(names: readonly ServiceName[] = serviceNames): Promise<void> {
  await withLock(async () => {
    const state = readState();
    for (const name of names) {
      const running = state[name];
      if (!running) continue;
      if (isAlive(running.pid)) {
        log(name, `stopping PID ${running.pid}...`);
        await stopGroup(running.pid);
      } else {
        log(name, `PID ${running.pid} already gone; clearing stale state`);
      }
      delete state[name];
      writeState(state);
    }
  });
}

/**
 * Stops a running service and starts it again in place (same ports, same data), for faults such as
 * a broker restart. Only services that support it (a broker); `stopped` runs while it is down.
 */
export async function restart(name: ServiceName, stopped: () => Promise<void> = async () => undefined) {
  return await withLock(async () => {
    const state = readState();
    const running = state[name];
    const definition = definitions[name];
    if (!running || !isAlive(running.pid)) throw new ServiceError(`${name} is not running; start it with up first`);
    if (!definition.restart) throw new ServiceError(`${name} cannot be restarted in place`);
    log(name, `restarting PID ${running.pid}...`);
    await stopGroup(running.pid);
    delete state[name];
    writeState(state);
    await stopped();
    const begun = Date.now();
    const service = await definition.restart(running);
    state[name] = service;
    writeState(state);
    log(name, `restarted in ${seconds(begun)} (PID ${service.pid})`);
    return service;
  });
}

export interface ServiceStatus {
  readonly name: ServiceName;
  readonly running: boolean;
  readonly healthy: boolean;
  readonly pid?: number;
  readonly endpoint?: string;
  readonly ports?: Readonly<Record<string, number>>;
  readonly logFile?: string;
  readonly startedAt?: string;
}

export async function status(names: readonly ServiceName[] = defaultServiceNames): Promise<ServiceStatus[]> {
  const state = readState();
  return await Promise.all(
    names.map(async (name): Promise<ServiceStatus> => {
      const running = state[name];
      if (!running) return { name, running: false, healthy: false };
      const alive = isAlive(running.pid);
      const healthy = alive && (await definitions[name].healthy(running).catch(() => false));
      return { name, running: alive, healthy, ...running };
    }),
  );
}

/**
 * The environment that points clients at the running services: AWS SDK v3 reads the
 * per-service endpoint variables before AWS_ENDPOINT_URL.
 */
export function clientEnvironment(services: UpResult['services']): Record<string, string> {
  const env: Record<string, string> = {
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_REGION: 'us-east-1',
  };
  if (services.kafka) env.KAFKA_BROKERS = services.kafka.endpoint;
  if (services.localstack) env.AWS_ENDPOINT_URL = services.localstack.endpoint;
  if (services.moto) {
    env.AWS_ENDPOINT_URL_ECS = services.moto.endpoint;
    env.AWS_ENDPOINT_URL_APPLICATION_AUTO_SCALING = services.moto.endpoint;
    env.AWS_ENDPOINT_URL_DYNAMODB = services.moto.endpoint;
  }
  return env;
}
