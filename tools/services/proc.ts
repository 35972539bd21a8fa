import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { join } from 'node:path';
import { ProjectError } from '#domain/errors';
import { stateDir } from './paths';
import type { RunningService } from './types';

/** A development service (Kafka, LocalStack, moto) could not be installed, started or stopped. */
export class ServiceError extends ProjectError {
  override name = 'ServiceError';
}

export function log(service: string, message: string): void {
  process.stdout.write(`[${service}] ${message}\n`);
}

export function seconds(sinceMs: number): string {
  return `${((Date.now() - sinceMs) / 1000).toFixed(1)}s`;
}

/** Fails with a message naming the missing program and how to install it. */
export function requireProgram(program: string, installHint: string): void {
  const found = spawnSync('sh', ['-c', `command -v ${program}`], { encoding: 'utf8' });
  if (found.status !== 0) {
    throw new ServiceError(`'${program}' is not installed or not on PATH. Install it: ${installHint}`);
  }
}

/** Runs a command to completion and returns its standard output; a failure carries the output's tail. */
export async function run(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; what: string },
): Promise<string> {
  return await new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', (error) => reject(new ServiceError(`${options.what}: ${error.message}`)));
    child.on('close', (code) => {
      if (code === 0) resolvePromise(stdout);
      else
        reject(new ServiceError(`${options.what} failed (exit ${code}):\n${output.split('\n').slice(-30).join('\n')}`));
    });
  });
}

/** Starts a long-running process in its own process group, output appended to a log file. */
export function startDetached(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env: NodeJS.ProcessEnv; logFile: string },
): ChildProcess {
  const fd = openSync(options.logFile, 'a');
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env,
    detached: true,
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  child.unref();
  if (child.pid === undefined) throw new ServiceError(`could not start ${command}`);
  return child;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Stops a process group started by startDetached: SIGTERM, then SIGKILL after the grace period. */
export async function stopGroup(pid: number, graceMs = 15_000): Promise<void> {
  const signalGroup = (signal: NodeJS.Signals): void => {
    try {
      process.kill(-pid, signal);
    } catch {
      // The group is already gone.
    }
  };
  signalGroup('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (groupAlive(pid) && Date.now() < deadline) await sleep(100);
  if (groupAlive(pid)) {
    signalGroup('SIGKILL');
    while (groupAlive(pid)) await sleep(50);
  }
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolvePromise) => setTimeout(resolvePromise, ms));
}

export function tail(file: string, lines = 40): string {
  if (!existsSync(file)) return '(no log file)';
  return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
}

/** True when something accepts TCP connections on 127.0.0.1:port. */
export async function portOpen(port: number): Promise<boolean> {
  return await new Promise((resolvePromise) => {
    const socket = new Socket();
    const done = (open: boolean): void => {
      socket.destroy();
      resolvePromise(open);
    };
    socket.setTimeout(1000);
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
    socket.connect(port, '127.0.0.1');
  });
}

async function bindable(port: number): Promise<boolean> {
  return await new Promise((resolvePromise) => {
    const server = createServer();
    server.once('error', () => resolvePromise(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolvePromise(true)));
  });
}

/** Who listens on a port, as `ss` tells it (for the message when a port is taken). */
export function portHolder(port: number): string {
  const result = spawnSync('ss', ['-ltnpH', `sport = :${port}`], { encoding: 'utf8' });
  const line = result.stdout?.trim();
  return line ? line.replace(/\s+/g, ' ') : 'an unknown process';
}

/** A port the OS reports free on 127.0.0.1, other than those in `avoid`. */
export async function freePort(avoid: readonly number[] = []): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolvePromise, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        const chosen = typeof address === 'object' && address ? address.port : 0;
        server.close(() => resolvePromise(chosen));
      });
    });
    if (!avoid.includes(port)) return port;
  }
}

/**
 * The preferred port when it is free; otherwise a free one chosen by the OS, with a message
 * naming who holds the preferred port.
 */
export async function choosePort(service: string, preferred: number, avoid: readonly number[] = []): Promise<number> {
  if (!avoid.includes(preferred) && (await bindable(preferred))) return preferred;
  const port = await freePort(avoid);
  log(service, `port ${preferred} is taken (by ${portHolder(preferred)}); using ${port} instead`);
  return port;
}

/** Polls until `check` returns true; fails after `timeoutMs`, or early if `alive` turns false. */
export async function waitUntil(
  what: string,
  check: () => Promise<boolean>,
  options: { timeoutMs: number; alive: () => boolean; logFile: string },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  while (Date.now() < deadline) {
    if (!options.alive())
      throw new ServiceError(
        `${what} exited while starting. Last lines of ${options.logFile}:\n${tail(options.logFile)}`,
      );
    if (await check().catch(() => false)) return;
    await sleep(250);
  }
  throw new ServiceError(
    `${what} did not become healthy within ${options.timeoutMs / 1000}s. Last lines of ${options.logFile}:\n${tail(options.logFile)}`,
  );
}

/** What {@link startHttpService} starts: one process serving HTTP on a port of its own. */
export interface HttpServiceLaunch {
  readonly name: string;
  readonly preferredPort: number;
  /** The program and its arguments for a port. */
  readonly command: (port: number) => readonly [string, readonly string[]];
  readonly env: NodeJS.ProcessEnv;
  readonly timeoutMs: number;
  readonly healthy: (service: RunningService) => Promise<boolean>;
  readonly fingerprint: string;
}

/** Starts an HTTP service detached (log in the state folder) and waits until it answers healthy. */
export async function startHttpService(launch: HttpServiceLaunch): Promise<RunningService> {
  mkdirSync(stateDir, { recursive: true });
  const port = await choosePort(launch.name, launch.preferredPort);
  const logFile = join(stateDir, `${launch.name}.log`);
  const [program, args] = launch.command(port);
  const pid = startDetached(program, args, { env: launch.env, logFile }).pid ?? 0;
  const service: RunningService = {
    pid,
    ports: { http: port },
    endpoint: `http://127.0.0.1:${port}`,
    logFile,
    startedAt: new Date().toISOString(),
    fingerprint: launch.fingerprint,
  };
  const alive = () => isAlive(pid);
  await waitUntil(launch.name, () => launch.healthy(service), { timeoutMs: launch.timeoutMs, alive, logFile });
  return service;
}
