import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir, projectRoot } from '../../tools/services/paths';
import { run } from '../../tools/services/proc';
import { kafkaClasspath, kafkaVersion, provisionKafka } from '../../tools/services/kafka';

/** How Kafka's own Java consumer joins: the classic protocol with an assignor, or KIP-848's consumer protocol. */
export type JavaGroupKind =
  | { readonly protocol: 'classic'; readonly assignor: 'range' | 'cooperative-sticky' }
  | { readonly protocol: 'consumer' };

export interface JavaConsumersOptions {
  readonly brokers: string;
  readonly group: string;
  readonly topics: readonly string[];
  readonly kind: JavaGroupKind;
  /** Members in this JVM (one KafkaConsumer each). @default 1 */
  readonly members?: number;
  /** Each member consumes and commits up to this offset per partition, then pauses it. @default 1e12 */
  readonly stopAtOffset?: number;
  /** The Kafka client version (jars from the services tool's cache). @default the default broker's */
  readonly version?: string;
  /** Print `P <epoch ms> <records>` for every poll that returned records (bench:rebalance). @default false */
  readonly trace?: boolean;
}

/** A JVM running members of one group; stop() ends it by its PID (a graceful leave). */
export interface JavaConsumers {
  readonly pid: number;
  /** Everything the JVM printed so far. */
  output(): string;
  stop(): Promise<void>;
}

const source = join(projectRoot, 'test', 'support', 'java', 'LagTestConsumers.java');

/** Compiles the test consumer against the version's kafka-clients jar (once, cached). */
async function compiled(version: string): Promise<string> {
  await provisionKafka(version);
  const classes = join(cacheDir, `java-consumers-${version}`);
  const classFile = join(classes, 'LagTestConsumers.class');
  if (existsSync(classFile) && statSync(classFile).mtimeMs >= statSync(source).mtimeMs) return classes;
  mkdirSync(classes, { recursive: true });
  await run('javac', ['-d', classes, '-cp', kafkaClasspath(version), source], { what: 'javac LagTestConsumers' });
  return classes;
}

/** A log4j2 config that logs errors only (the client would otherwise warn that it has none). */
function quietLogConfig(dir: string): string {
  const file = join(dir, 'log4j2.properties');
  if (!existsSync(file)) writeFileSync(file, 'status = error\nrootLogger.level = error\n');
  return file;
}

/** Starts members of a group with Kafka's Java client (one JVM), resolving once the JVM has started them. */
export async function startJavaConsumers(options: JavaConsumersOptions): Promise<JavaConsumers> {
  const version = options.version ?? kafkaVersion;
  const classes = await compiled(version);
  const kind = options.kind;
  const args = [
    '-Xmx128m',
    '-XX:TieredStopAtLevel=1',
    '-XX:+UseSerialGC',
    `-Dlog4j2.configurationFile=${quietLogConfig(classes)}`,
    '-cp',
    `${classes}:${kafkaClasspath(version)}`,
    'LagTestConsumers',
    options.brokers,
    options.group,
    options.topics.join(','),
    kind.protocol,
    kind.protocol === 'classic' ? kind.assignor : '-',
    String(options.members ?? 1),
    String(options.stopAtOffset ?? 1e12),
    ...(options.trace === true ? ['trace'] : []),
  ];
  const child = spawn('java', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    const check = setInterval(() => {
      if (output.includes('STARTED')) done(undefined);
    }, 100);
    const done = (error: Error | undefined): void => {
      clearInterval(check);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolve();
    };
    const onExit = (code: number | null): void =>
      done(new Error(`the Java consumers of ${options.group} exited (${code}) before starting:\n${output}`));
    child.on('exit', onExit);
  });
  return { pid: child.pid ?? 0, output: () => output, stop: () => stopChild(child) };
}

/** SIGTERM (members leave the group), then SIGKILL after 20 s. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}
