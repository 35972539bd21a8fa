import { join } from 'node:path';
import { cacheDir } from './paths';
import { ensureVirtualenv } from './python';
import { startHttpService } from './proc';
import type { RunningService, ServiceDefinition } from './types';

export const motoVersion = '5.2.5';
const venv = join(cacheDir, `venv-moto-${motoVersion}`);

async function provision(): Promise<void> {
  await ensureVirtualenv({ service: 'moto', dir: venv, requirements: [`moto[server]==${motoVersion}`] });
}

/** moto server: ECS, Application Auto Scaling and DynamoDB, which LocalStack community lacks offline. */
async function start(): Promise<RunningService> {
  return await startHttpService({
    name: 'moto',
    preferredPort: 5000,
    command: (port) => [join(venv, 'bin', 'moto_server'), ['-H', '127.0.0.1', '-p', String(port)]],
    env: process.env,
    timeoutMs: 60_000,
    healthy,
    fingerprint: fingerprint(),
  });
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
