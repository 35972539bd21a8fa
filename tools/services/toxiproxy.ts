import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir } from './paths';
import { log, requireProgram, run, seconds, startHttpService } from './proc';
import type { RunningService, ServiceDefinition } from './types';

/** Toxiproxy, a TCP proxy that injects network faults (latency, timeouts, resets) through an HTTP API. */
export const toxiproxyVersion = '2.5.0';
const binDir = join(cacheDir, `toxiproxy-${toxiproxyVersion}`);
const binary = join(binDir, 'toxiproxy-server');

/** Builds the server from the Go module proxy into the cache (once; about a minute on 2 cores). */
async function provision(): Promise<void> {
  if (existsSync(binary)) return;
  requireProgram('go', 'install Go 1.22 or newer (https://go.dev/dl/) and put it on PATH');
  const started = Date.now();
  log('toxiproxy', `building github.com/Shopify/toxiproxy/v2/cmd/server@v${toxiproxyVersion} with go install...`);
  // A private GOBIN, then one rename: a build interrupted halfway leaves no binary behind.
  const building = join(cacheDir, `toxiproxy-${toxiproxyVersion}.building-${process.pid}`);
  rmSync(building, { recursive: true, force: true });
  mkdirSync(building, { recursive: true });
  await run('go', ['install', `github.com/Shopify/toxiproxy/v2/cmd/server@v${toxiproxyVersion}`], {
    what: `go install toxiproxy ${toxiproxyVersion}`,
    env: { ...process.env, GOBIN: building, CGO_ENABLED: '0' },
  });
  mkdirSync(binDir, { recursive: true });
  renameSync(join(building, 'server'), binary);
  rmSync(building, { recursive: true, force: true });
  log('toxiproxy', `built in ${seconds(started)}: ${binary}`);
}

async function start(): Promise<RunningService> {
  return await startHttpService({
    name: 'toxiproxy',
    preferredPort: 8474,
    command: (port) => [binary, ['-host', '127.0.0.1', '-port', String(port)]],
    // Its default level logs every API request.
    env: { ...process.env, LOG_LEVEL: 'info' },
    timeoutMs: 30_000,
    healthy,
    fingerprint: fingerprint(),
  });
}

async function healthy(service: RunningService): Promise<boolean> {
  const response = await fetch(`${service.endpoint}/version`, { signal: AbortSignal.timeout(2000) });
  // A `go install` build reports its version as "git" (no release ldflags); any answer will do.
  await response.arrayBuffer();
  return response.ok;
}

function fingerprint(): string {
  return toxiproxyVersion;
}

export const toxiproxy: ServiceDefinition = { name: 'toxiproxy', provision, start, healthy, fingerprint };
