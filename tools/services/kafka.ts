import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { cacheDir, stateDir } from './paths';
import {
  choosePort,
  freePort,
  isAlive,
  log,
  portOpen,
  requireProgram,
  run,
  seconds,
  startDetached,
  waitUntil,
} from './proc';
import type { RunningService, ServiceDefinition, ServiceName } from './types';

/** The default broker: Kafka 4.x, where the consumer rebalance protocol (KIP-848) is on by default. */
export const kafkaVersion = '4.1.1';
/** The older broker of the oracle matrix (`kafka39` service): the newest 3.x. */
export const kafka3Version = '3.9.1';
/** The test broker's only SASL user (PLAIN and SCRAM-SHA-512); a local test credential, not a secret. */
export const saslUser = { username: 'lagscaler', password: 'lagscaler-test-password' } as const;
const dependencyPluginVersion = '3.8.1';
/** log4j2 for Kafka 4.x (which logs through it); checked with 4.1.1 on Java 17. */
const log4j2Version = '2.24.3';

const isKafka4 = (version: string): boolean => Number(version.split('.')[0]) >= 4;
const homeOf = (version: string): string => join(cacheDir, `kafka-${version}`);
const classpathOf = (version: string): string => `${join(homeOf(version), 'libs')}/*`;

/** The broker, the tools (ConsumerGroupCommand, our lag oracle) and the logging backend of that version. */
function pom(version: string): string {
  const dependency = (group: string, artifact: string, v: string): string =>
    `<dependency><groupId>${group}</groupId><artifactId>${artifact}</artifactId><version>${v}</version></dependency>`;
  const logging = isKafka4(version)
    ? [
        dependency('org.apache.logging.log4j', 'log4j-core', log4j2Version),
        dependency('org.apache.logging.log4j', 'log4j-slf4j-impl', log4j2Version),
      ]
    : [dependency('org.slf4j', 'slf4j-reload4j', '1.7.36')];
  return `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.kafka-lag-autoscaler</groupId>
  <artifactId>kafka-runtime</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    ${dependency('org.apache.kafka', 'kafka_2.13', version)}
    ${dependency('org.apache.kafka', 'kafka-tools', version)}
    ${logging.join('\n    ')}
  </dependencies>
</project>
`;
}

/** Downloads the jars of one Kafka version into the cache (once). */
export async function provisionKafka(version: string = kafkaVersion): Promise<void> {
  const home = homeOf(version);
  const libsDir = join(home, 'libs');
  const marker = join(home, '.complete');
  if (existsSync(marker)) return;
  requireProgram('java', 'apt-get install openjdk-17-jre-headless (Java 17)');
  requireProgram('mvn', 'apt-get install maven');
  const started = Date.now();
  log('kafka', `downloading Apache Kafka ${version} jars from Maven Central into ${libsDir}...`);
  mkdirSync(home, { recursive: true });
  rmSync(libsDir, { recursive: true, force: true });
  writeFileSync(join(home, 'pom.xml'), pom(version));
  await run(
    'mvn',
    [
      '-B',
      '-q',
      '-f',
      join(home, 'pom.xml'),
      `org.apache.maven.plugins:maven-dependency-plugin:${dependencyPluginVersion}:copy-dependencies`,
      '-DincludeScope=runtime',
      `-DoutputDirectory=${libsDir}`,
    ],
    { what: `mvn copy-dependencies (Kafka ${version} jars)` },
  );
  writeFileSync(marker, new Date().toISOString());
  log('kafka', `Kafka ${version} jars ready in ${seconds(started)}`);
}

/** The JVM flag that points the version's logging backend at a config file. */
function logFlag(version: string, logConfig: string): string {
  return isKafka4(version) ? `-Dlog4j2.configurationFile=${logConfig}` : `-Dlog4j.configuration=file:${logConfig}`;
}

/** A logging config: WARN to stdout, plus INFO from the named loggers (log4j 1 or log4j2 syntax). */
function logConfigText(version: string, root: 'WARN' | 'ERROR', infoLoggers: readonly string[]): string {
  if (!isKafka4(version)) {
    return [
      `log4j.rootLogger=${root}, stdout`,
      'log4j.appender.stdout=org.apache.log4j.ConsoleAppender',
      'log4j.appender.stdout.layout=org.apache.log4j.PatternLayout',
      'log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n',
      ...infoLoggers.map((name) => `log4j.logger.${name}=INFO`),
      '',
    ].join('\n');
  }
  return [
    'status = error',
    'appender.stdout.type = Console',
    'appender.stdout.name = STDOUT',
    'appender.stdout.target = SYSTEM_ERR',
    'appender.stdout.layout.type = PatternLayout',
    'appender.stdout.layout.pattern = [%d] %p %m (%c)%n',
    `rootLogger.level = ${root.toLowerCase()}`,
    'rootLogger.appenderRef.stdout.ref = STDOUT',
    ...infoLoggers.flatMap((name, i) => [`logger.l${i}.name = ${name}`, `logger.l${i}.level = info`]),
    '',
  ].join('\n');
}

function javaArgs(version: string, mainClass: string, logConfig: string, args: readonly string[]): string[] {
  return [
    '-Xms256m',
    '-Xmx512m',
    '-Djava.awt.headless=true',
    logFlag(version, logConfig),
    '-cp',
    classpathOf(version),
    mainClass,
    ...args,
  ];
}

/** Preferred ports of one broker service; taken ports fall back to free ones. */
interface PreferredPorts {
  readonly broker: number;
  readonly controller: number;
  readonly sasl: number;
  /**
   * Also listen on two listeners whose advertised addresses are fault-proxy ports (a client that
   * bootstraps there reaches the broker only through the proxy, metadata included). @default false
   */
  readonly proxied?: boolean;
}

/**
 * The proxied listeners of a fault broker: PROXIED (PLAINTEXT) and SASL_PROXIED listen on their own
 * ports and advertise the proxy's listen ports, so every connection a client opens after the
 * bootstrap (metadata, coordinators) goes through the proxy too. The proxies are the tests' to create.
 */
export interface ProxiedListeners {
  readonly plain: number;
  readonly plainProxy: number;
  readonly sasl: number;
  readonly saslProxy: number;
}

function proxiedListenerLines(proxied: ProxiedListeners | undefined): {
  listeners: string;
  advertised: string;
  protocols: string;
  sasl: string[];
} {
  if (proxied === undefined) return { listeners: '', advertised: '', protocols: '', sasl: [] };
  return {
    listeners: `,PROXIED://127.0.0.1:${proxied.plain},SASL_PROXIED://127.0.0.1:${proxied.sasl}`,
    advertised: `,PROXIED://127.0.0.1:${proxied.plainProxy},SASL_PROXIED://127.0.0.1:${proxied.saslProxy}`,
    protocols: ',PROXIED:PLAINTEXT,SASL_PROXIED:SASL_PLAINTEXT',
    sasl: [
      `listener.name.sasl_proxied.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_${saslUser.username}="${saslUser.password}";`,
      'listener.name.sasl_proxied.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;',
    ],
  };
}

function serverProperties(
  version: string,
  ports: PreferredPorts,
  dataDir: string,
  proxied: ProxiedListeners | undefined,
): string[] {
  const { broker: port, controller: controllerPort, sasl: saslPort } = ports;
  const extra = proxiedListenerLines(proxied);
  return [
    'process.roles=broker,controller',
    'node.id=1',
    // 4.x formats a dynamic quorum (--standalone, KIP-853); 3.x keeps the static voter list.
    isKafka4(version)
      ? `controller.quorum.bootstrap.servers=127.0.0.1:${controllerPort}`
      : `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${port},SASL_PLAINTEXT://127.0.0.1:${saslPort},CONTROLLER://127.0.0.1:${controllerPort}${extra.listeners}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${port},SASL_PLAINTEXT://127.0.0.1:${saslPort}${extra.advertised}`,
    `listener.security.protocol.map=PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT${extra.protocols}`,
    // A second listener with authentication, so SASL/PLAIN and SASL/SCRAM (as on MSK) are tested for real.
    'sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-512',
    `listener.name.sasl_plaintext.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_${saslUser.username}="${saslUser.password}";`,
    'listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;',
    ...extra.sasl,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    `log.dirs=${join(dataDir, 'data')}`,
    'num.partitions=1',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=3',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'transaction.state.log.num.partitions=3',
    'group.initial.rebalance.delay.ms=0',
    // KIP-848 groups: on by default in 4.x; 3.9 needs it named (the oracle matrix uses such groups on both).
    'group.coordinator.rebalance.protocols=classic,consumer',
    // Short consumer-protocol heartbeats, so KIP-848 groups reconcile within a second in tests.
    'group.consumer.heartbeat.interval.ms=1000',
    'group.consumer.min.heartbeat.interval.ms=1000',
    'auto.create.topics.enable=false',
    'delete.topic.enable=true',
    // Retention checks every 5 s so tests that delete records see log-start offsets move quickly.
    'log.retention.check.interval.ms=5000',
  ];
}

/** Free ports for the proxied listeners and their proxies, avoiding the broker's own. */
async function proxiedPorts(taken: readonly number[]): Promise<ProxiedListeners> {
  const avoid = [...taken];
  const next = async (): Promise<number> => {
    const port = await freePort(avoid);
    avoid.push(port);
    return port;
  };
  return { plain: await next(), plainProxy: await next(), sasl: await next(), saslProxy: await next() };
}

/** A single-node KRaft broker of `version` on loopback, with a fresh data folder on every start. */
function startBroker(name: ServiceName, version: string, preferred: PreferredPorts): () => Promise<RunningService> {
  return async () => {
    const dir = join(stateDir, name);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const broker = await choosePort(name, preferred.broker);
    const controller = await choosePort(name, preferred.controller, [broker]);
    const sasl = await choosePort(name, preferred.sasl, [broker, controller]);
    const proxied = preferred.proxied ? await proxiedPorts([broker, controller, sasl]) : undefined;
    const config = join(dir, 'server.properties');
    writeFileSync(config, `${serverProperties(version, { broker, controller, sasl }, dir, proxied).join('\n')}\n`);
    const logConfig = join(dir, isKafka4(version) ? 'log4j2.properties' : 'log4j.properties');
    writeFileSync(logConfig, logConfigText(version, 'WARN', ['kafka.server.KafkaRaftServer']));
    const clusterId = randomBytes(16).toString('base64url').slice(0, 22);
    const scram = ['--add-scram', `SCRAM-SHA-512=[name=${saslUser.username},password=${saslUser.password}]`];
    // `--cluster-id=<id>`, one argument: an id that starts with '-' (1 in 64) would read as an option.
    const format = [
      'format',
      `--cluster-id=${clusterId}`,
      '-c',
      config,
      ...(isKafka4(version) ? ['--standalone'] : []),
      ...scram,
    ];
    await run('java', javaArgs(version, 'kafka.tools.StorageTool', logConfig, format), {
      what: `kafka-storage format (Kafka ${version})`,
    });
    const ports = { broker, controller, sasl, ...(proxied === undefined ? {} : prefixed(proxied)) };
    return await launchBroker(name, version, ports);
  };
}

const prefixed = (proxied: ProxiedListeners): Record<string, number> => ({
  proxiedPlain: proxied.plain,
  proxiedPlainProxy: proxied.plainProxy,
  proxiedSasl: proxied.sasl,
  proxiedSaslProxy: proxied.saslProxy,
});

/** The proxied listeners a running fault broker was started with, or undefined for a plain broker. */
export function proxiedListenersOf(service: RunningService): ProxiedListeners | undefined {
  const { proxiedPlain, proxiedPlainProxy, proxiedSasl, proxiedSaslProxy } = service.ports;
  if (proxiedPlain === undefined || proxiedPlainProxy === undefined) return undefined;
  if (proxiedSasl === undefined || proxiedSaslProxy === undefined) return undefined;
  return { plain: proxiedPlain, plainProxy: proxiedPlainProxy, sasl: proxiedSasl, saslProxy: proxiedSaslProxy };
}

/** Starts the broker on its formatted data folder and waits until it answers. */
async function launchBroker(
  name: ServiceName,
  version: string,
  ports: Readonly<Record<string, number>>,
): Promise<RunningService> {
  const dir = join(stateDir, name);
  const config = join(dir, 'server.properties');
  const logConfig = join(dir, isKafka4(version) ? 'log4j2.properties' : 'log4j.properties');
  const logFile = join(stateDir, `${name}.log`);
  const child = startDetached('java', javaArgs(version, 'kafka.Kafka', logConfig, [config]), {
    env: process.env,
    logFile,
  });
  const pid = child.pid ?? 0;
  const service: RunningService = {
    pid,
    ports,
    fingerprint: fingerprintOf(version, ports.proxiedPlain !== undefined),
    endpoint: `127.0.0.1:${ports.broker ?? 0}`,
    logFile,
    startedAt: new Date().toISOString(),
  };
  await waitUntil(name, () => healthy(service), { timeoutMs: 90_000, alive: () => isAlive(pid), logFile });
  return service;
}

/** The broker answers a metadata request (kafkajs is the client the product uses too). */
async function healthy(service: RunningService): Promise<boolean> {
  if (!(await portOpen(service.ports.broker ?? 0)) || !(await portOpen(service.ports.sasl ?? 0))) return false;
  const { Kafka, logLevel } = await import('kafkajs');
  const admin = new Kafka({
    brokers: [service.endpoint],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1000,
    requestTimeout: 2000,
    retry: { retries: 0 },
  }).admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0 && cluster.controller !== null;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** The version and the listeners it runs with. */
function fingerprintOf(version: string, proxied = false): string {
  const listeners = `PLAINTEXT+SASL_PLAINTEXT(PLAIN,SCRAM-SHA-512)${proxied ? '+PROXIED+SASL_PROXIED' : ''}`;
  return `${version} ${listeners} protocols=classic,consumer`;
}

function brokerService(name: ServiceName, version: string, preferred: PreferredPorts): ServiceDefinition {
  return {
    name,
    provision: () => provisionKafka(version),
    start: startBroker(name, version, preferred),
    healthy,
    fingerprint: () => fingerprintOf(version, preferred.proxied),
    // The same ports, configuration and data: topics, commits and groups survive, as on a real restart.
    restart: (running) => launchBroker(name, version, running.ports),
  };
}

/** The default broker (Kafka 4.x) every integration test and `npm start` use. */
export const kafka: ServiceDefinition = brokerService('kafka', kafkaVersion, {
  broker: 9092,
  controller: 9093,
  sasl: 9094,
});
/** Kafka 3.9.1 for the oracle matrix; started on demand (not part of the default `up`). */
export const kafka39: ServiceDefinition = brokerService('kafka39', kafka3Version, {
  broker: 9192,
  controller: 9193,
  sasl: 9194,
});

/**
 * The fault suite's broker (Kafka 4.x): its own process, so the suite can restart it and proxy it
 * without disturbing the other tests' broker, with two listeners reached only through Toxiproxy.
 */
export const kafkaFaults: ServiceDefinition = brokerService('kafka-faults', kafkaVersion, {
  broker: 9292,
  controller: 9293,
  sasl: 9294,
  proxied: true,
});

/** The classpath of a Kafka version's jars (kafka-clients included), for Java clients the tests compile. */
export function kafkaClasspath(version: string = kafkaVersion): string {
  return classpathOf(version);
}

/**
 * Runs one of Kafka's own command-line tools from the cached jars, e.g. ConsumerGroupCommand,
 * and returns its standard output.
 */
export async function runKafkaTool(
  mainClass: string,
  args: readonly string[],
  version: string = kafkaVersion,
): Promise<string> {
  await provisionKafka(version);
  const logConfig = join(homeOf(version), isKafka4(version) ? 'tools-log4j2.properties' : 'tools-log4j.properties');
  if (!existsSync(logConfig)) writeFileSync(logConfig, logConfigText(version, 'ERROR', []));
  return await run('java', ['-Xmx256m', logFlag(version, logConfig), '-cp', classpathOf(version), mainClass, ...args], {
    what: mainClass,
  });
}

export const consumerGroupCommandClass = 'org.apache.kafka.tools.consumer.group.ConsumerGroupCommand';
