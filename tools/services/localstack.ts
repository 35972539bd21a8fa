import { createHash } from 'node:crypto';
import {
  accessSync,
  constants,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join, relative } from 'node:path';
import { cacheDir, projectRoot, stateDir } from './paths';
import { ensureVirtualenv } from './python';
import { choosePort, isAlive, log, run, ServiceError, startDetached, waitUntil } from './proc';
import type { RunningService, ServiceDefinition } from './types';

export const localstackVersion = '4.13.1';
const venv = join(cacheDir, `venv-localstack-${localstackVersion}`);
const constraintsFile = join(cacheDir, `localstack-${localstackVersion}-constraints.txt`);
const services = 'cloudwatch,logs,events,sns,sqs,s3,iam,sts,cloudformation,lambda,secretsmanager,ssm,kms,stepfunctions';

/**
 * LocalStack's dependency ranges are open, and today's releases of some of them break 4.13.1
 * (e.g. cbor2). Its own lock file ships in the sdist; we use it as pip constraints.
 */
async function ensureConstraints(): Promise<void> {
  if (existsSync(constraintsFile)) return;
  const download = join(cacheDir, 'localstack-sdist');
  mkdirSync(download, { recursive: true });
  log('localstack', `reading the lock file of localstack-core ${localstackVersion} (sdist from PyPI)...`);
  await run(
    'python3',
    [
      '-m',
      'pip',
      'download',
      '-q',
      '--no-deps',
      '--no-binary',
      ':all:',
      `localstack-core==${localstackVersion}`,
      '-d',
      download,
    ],
    { what: 'pip download localstack-core sdist' },
  );
  const archive = join(download, `localstack_core-${localstackVersion}.tar.gz`);
  const lock = await run('tar', ['-xzOf', archive, `localstack_core-${localstackVersion}/requirements-runtime.txt`], {
    what: 'read requirements-runtime.txt',
  });
  const pins = lock
    .split('\n')
    .filter((line) => /^[A-Za-z0-9]/.test(line) && !line.toLowerCase().startsWith('localstack-core'))
    .map((line) => line.replace(/\[.*\]/, '').trim());
  if (pins.length < 50) throw new ServiceError(`unexpected lock file in ${archive}: only ${pins.length} pins`);
  writeFileSync(constraintsFile, `${pins.join('\n')}\n`);
}

/**
 * The project's Lambda runtime executor (tools/localstack-executor): LocalStack community runs
 * Lambda only in Docker, which this machine lacks; `local-node` runs the deployed, unzipped
 * handler with the repository's Node 22 instead.
 */
export const lambdaExecutor = 'local-node';
const executorPackage = join(projectRoot, 'tools', 'localstack-executor');
const executorMarker = join(venv, '.installed-executor');

async function provision(): Promise<void> {
  if (!existsSync(join(venv, '.installed'))) {
    await ensureConstraints();
    await ensureVirtualenv({
      service: 'localstack',
      dir: venv,
      requirements: [`localstack-core[runtime]==${localstackVersion}`],
      constraintsFile,
    });
  }
  patchForPython311();
  patchStatesTarget();
  await ensureExecutor();
}

/**
 * LocalStack 4.13.1 annotates `install_lock: Lock | None` in `localstack/packages/api.py`, which
 * Python 3.11 evaluates at import and rejects (`threading.Lock` is a function before 3.13). Step
 * Functions imports that module (its JSONata package), so CreateStateMachine answered 500 here.
 * Postponed annotations (PEP 563) make the line inert; nothing else in the module changes.
 */
const python311Patch = {
  file: join(venv, 'lib', 'python3.11', 'site-packages', 'localstack', 'packages', 'api.py'),
  line: 'from __future__ import annotations  # kla: Python 3.11 (tools/services/localstack.ts)',
};

function patchForPython311(): void {
  const { file, line } = python311Patch;
  if (!existsSync(file)) return; // another Python: nothing to patch
  const source = readFileSync(file, 'utf8');
  if (source.startsWith(line)) return;
  log('localstack', `patching ${relative(projectRoot, file)} for Python 3.11 (postponed annotations)`);
  writeFileSync(file, `${line}\n${source}`);
}

/**
 * LocalStack 4.13.1's EventBridge target for Step Functions names the execution after the event's
 * `id`; a scheduled rule with a constant Input (the fan-out's shard plan) sends that input as the
 * event, which has no `id`, so every StartExecution failed with KeyError 'id'. AWS names such an
 * execution itself; a random name here does the same.
 */
const statesTargetPatch = {
  file: join(venv, 'lib', 'python3.11', 'site-packages', 'localstack', 'services', 'events', 'target.py'),
  find: 'stateMachineArn=self.target["Arn"], name=event["id"], input=to_json_str(event)',
  replace:
    'stateMachineArn=self.target["Arn"], name=event.get("id") or str(uuid.uuid4()), input=to_json_str(event)  # kla: tools/services/localstack.ts',
};

function patchStatesTarget(): void {
  const { file, find, replace } = statesTargetPatch;
  if (!existsSync(file)) return;
  const source = readFileSync(file, 'utf8');
  if (!source.includes(find)) return; // patched already, or another version
  log('localstack', `patching ${relative(projectRoot, file)} (Step Functions targets of rules with a constant input)`);
  writeFileSync(file, source.replace(find, replace));
}

/** Installs the executor into LocalStack's venv again whenever one of its source files changed. */
async function ensureExecutor(): Promise<void> {
  const wanted = `${executorPackage} ${executorSourceHash()}`;
  if (existsSync(executorMarker) && readFileSync(executorMarker, 'utf8') === wanted) return;
  log(
    'localstack',
    `installing the Lambda executor ${lambdaExecutor} from ${relative(projectRoot, executorPackage)}...`,
  );
  await run(
    join(venv, 'bin', 'pip'),
    ['install', '--disable-pip-version-check', '-q', '--no-deps', '--force-reinstall', executorPackage],
    { what: `pip install ${executorPackage}` },
  );
  writeFileSync(executorMarker, wanted);
}

function executorSourceHash(): string {
  const hash = createHash('sha256');
  const files = [join(executorPackage, 'pyproject.toml'), ...listFiles(join(executorPackage, 'src'))];
  for (const file of files.sort()) {
    hash.update(relative(executorPackage, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name === '__pycache__' || entry.name.endsWith('.egg-info')) return [];
    const path = join(dir, entry.name);
    return entry.isDirectory() ? listFiles(path) : [path];
  });
}

/** Where this clone's LocalStack scratch space lives in memory (one directory per clone). */
const memoryScratch = (): string =>
  join('/dev/shm', `kla-localstack-${createHash('sha256').update(stateDir).digest('hex').slice(0, 12)}`);

/**
 * LocalStack keeps its state in `<root>/tmp/localstack` (cleared at start and stop); its CloudWatch
 * stores metrics in SQLite there with one commit per data point, which on this disk costs about 1 ms.
 * Where the machine has a writable /dev/shm, `<root>/tmp` is a link into it: measured with
 * bench:tick at 1,000 targets (19,000 points), PutMetricData took 22.1 s on disk and 6.8 s in memory.
 * Without /dev/shm it stays on disk, only slower.
 */
function scratchInMemory(root: string): void {
  const link = join(root, 'tmp');
  const target = memoryScratch();
  try {
    accessSync('/dev/shm', constants.W_OK);
  } catch {
    // A link left by a machine that had /dev/shm would dangle here.
    if (isLink(link)) rmSync(link, { force: true });
    mkdirSync(link, { recursive: true });
    return;
  }
  mkdirSync(target, { recursive: true });
  if (isLink(link) && readlinkSync(link) === target) return;
  rmSync(link, { recursive: true, force: true });
  symlinkSync(target, link);
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/** The Node 22 the functions run on: the npm package `node` of this repository, else `node` on PATH. */
function nodeBinaryEnv(): NodeJS.ProcessEnv {
  const binary = join(projectRoot, 'node_modules', 'node', 'bin', 'node');
  return existsSync(binary) ? { KLA_NODE_BINARY: binary } : {};
}

/**
 * Host mode, with every hazard of this machine handled: it has /.dockerenv, so without
 * OVERRIDE_IN_DOCKER=0 LocalStack would rewrite /etc/resolv.conf, bind 0.0.0.0 and write under
 * system folders. Twisted (the default server) ignores the IPv4 interface; hypercorn honours it.
 */
async function start(): Promise<RunningService> {
  const port = await choosePort('localstack', 4566);
  const root = join(stateDir, 'localstack');
  const staticLibs = join(root, 'usr', 'lib', 'localstack');
  mkdirSync(staticLibs, { recursive: true });
  // LocalStack's image writes this marker; the health endpoint reads the edition from it.
  writeFileSync(join(staticLibs, '.community-version'), localstackVersion);
  scratchInMemory(root);
  const resolvConfBefore = readResolvConf();
  const logFile = join(stateDir, 'localstack.log');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    OVERRIDE_IN_DOCKER: '0',
    DNS_ADDRESS: '0',
    GATEWAY_SERVER: 'hypercorn',
    GATEWAY_LISTEN: `127.0.0.1:${port}`,
    LOCALSTACK_HOST: `localhost:${port}`,
    FILESYSTEM_ROOT: root,
    SQS_ENDPOINT_STRATEGY: 'path',
    SKIP_SSL_CERT_DOWNLOAD: '1',
    DISABLE_EVENTS: '1',
    SERVICES: services,
    EAGER_SERVICE_LOADING: '0',
    LAMBDA_RUNTIME_EXECUTOR: lambdaExecutor,
    ...nodeBinaryEnv(),
  };
  const child = startDetached(join(venv, 'bin', 'python'), ['-m', 'localstack.runtime.main'], { env, logFile });
  const pid = child.pid ?? 0;
  const service: RunningService = {
    pid,
    ports: { gateway: port },
    endpoint: `http://127.0.0.1:${port}`,
    logFile,
    startedAt: new Date().toISOString(),
    fingerprint: fingerprint(),
  };
  await waitUntil('localstack', () => healthy(service), { timeoutMs: 90_000, alive: () => isAlive(pid), logFile });
  if (readResolvConf() !== resolvConfBefore) {
    throw new ServiceError('LocalStack changed /etc/resolv.conf; check DNS_ADDRESS=0 and OVERRIDE_IN_DOCKER=0');
  }
  return service;
}

function readResolvConf(): string {
  return existsSync('/etc/resolv.conf') ? readFileSync('/etc/resolv.conf', 'utf8') : '';
}

interface LocalstackHealth {
  readonly version?: string;
  readonly edition?: string;
  readonly services?: Readonly<Record<string, string>>;
}

export async function localstackHealth(endpoint: string): Promise<LocalstackHealth> {
  const response = await fetch(`${endpoint}/_localstack/health`, { signal: AbortSignal.timeout(2000) });
  const body = await response.text();
  if (!response.ok) throw new ServiceError(`LocalStack health answered HTTP ${response.status}`);
  return JSON.parse(body) as LocalstackHealth;
}

async function healthy(service: RunningService): Promise<boolean> {
  const health = await localstackHealth(service.endpoint);
  return health.version === localstackVersion && health.services?.cloudwatch !== undefined;
}

/** The version, the services and the Lambda executor's sources it runs with. */
function fingerprint(): string {
  return `${localstackVersion} ${services} ${lambdaExecutor}:${executorSourceHash().slice(0, 12)} py311-patch sfn-target-patch`;
}

export const localstack: ServiceDefinition = { name: 'localstack', provision, start, healthy, fingerprint };
