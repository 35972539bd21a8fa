import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir, stateDir } from './paths';
import { ensureVirtualenv } from './python';
import { choosePort, isAlive, startDetached, waitUntil } from './proc';
import type { RunningService, ServiceDefinition } from './types';

export const motoVersion = '5.2.5';
const venv = join(cacheDir, `venv-moto-${motoVersion}`);

async function provision(): Promise<void> {
  await ensureVirtualenv({ service: 'moto', dir: venv, requirements: [`moto[server]==${motoVersion}`] });
}

/** moto server: ECS, Application Auto Scaling and DynamoDB, which LocalStack community lacks offline. */
async function start(): Promise<RunningService> {
  mkdirSync(stateDir, { recursive: true });
  const port = await choosePort('moto', 5000);
  const logFile = join(stateDir, 'moto.log');
  const child = startDetached(join(venv, 'bin', 'moto_server'), ['-H', '127.0.0.1', '-p', String(port)], {
    env: process.env,
    logFile,
  });
  const pid = child.pid ?? 0;
  const service: RunningService = {
    pid,
    ports: { http: port },
    endpoint: `http://127.0.0.1:${port}`,
    logFile,
    startedAt: new Date().toISOString(),
    fingerprint: fingerprint(),
  };
  await waitUntil('moto', () => healthy(service), { timeoutMs: 60_000, alive: () => isAlive(pid), logFile });
  return service;
}

async function healthy(service: RunningService): Promise<boolean> {
  const response = await fetch(`${service.endpoint}/moto-api/data.json`, { signal: AbortSignal.timeout(2000) });
  // Always read the body: an unread body left on a pooled connection can crash undici later.
  await response.arrayBuffer();
  return response.ok;
}

function fingerprint(): string {
  return motoVersion;
}

export const moto: ServiceDefinition = { name: 'moto', provision, start, healthy, fingerprint };
