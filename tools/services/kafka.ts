import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { cacheDir, stateDir } from './paths';
import { choosePort, isAlive, log, portOpen, requireProgram, run, seconds, startDetached, waitUntil } from './proc';
import type { RunningService, ServiceDefinition } from './types';

export const kafkaVersion = '3.9.1';
/** The test broker's only SASL user (PLAIN and SCRAM-SHA-512); a local test credential, not a secret. */
export const saslUser = { username: 'lagscaler', password: 'lagscaler-test-password' } as const;
const dependencyPluginVersion = '3.8.1';
const kafkaHome = join(cacheDir, `kafka-${kafkaVersion}`);
const libsDir = join(kafkaHome, 'libs');
const classpath = `${libsDir}/*`;

/** The broker, the tools (ConsumerGroupCommand, our lag oracle) and a logging backend. */
function pom(): string {
  const dependency = (group: string, artifact: string, version: string): string =>
    `<dependency><groupId>${group}</groupId><artifactId>${artifact}</artifactId><version>${version}</version></dependency>`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.kafka-lag-autoscaler</groupId>
  <artifactId>kafka-runtime</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    ${dependency('org.apache.kafka', 'kafka_2.13', kafkaVersion)}
    ${dependency('org.apache.kafka', 'kafka-tools', kafkaVersion)}
    ${dependency('org.slf4j', 'slf4j-reload4j', '1.7.36')}
  </dependencies>
</project>
`;
}

async function provision(): Promise<void> {
  const marker = join(kafkaHome, '.complete');
  if (existsSync(marker)) return;
  requireProgram('java', 'apt-get install openjdk-17-jre-headless (Java 17)');
  requireProgram('mvn', 'apt-get install maven');
  const started = Date.now();
  log('kafka', `downloading Apache Kafka ${kafkaVersion} jars from Maven Central into ${libsDir}...`);
  mkdirSync(kafkaHome, { recursive: true });
  rmSync(libsDir, { recursive: true, force: true });
  writeFileSync(join(kafkaHome, 'pom.xml'), pom());
  await run(
    'mvn',
    [
      '-B',
      '-q',
      '-f',
      join(kafkaHome, 'pom.xml'),
      `org.apache.maven.plugins:maven-dependency-plugin:${dependencyPluginVersion}:copy-dependencies`,
      '-DincludeScope=runtime',
      `-DoutputDirectory=${libsDir}`,
    ],
    { what: 'mvn copy-dependencies (Kafka jars)' },
  );
  writeFileSync(marker, new Date().toISOString());
  log('kafka', `jars ready in ${seconds(started)}`);
}

function javaArgs(mainClass: string, logConfig: string, args: readonly string[]): string[] {
  return [
    '-Xms256m',
    '-Xmx512m',
    '-Djava.awt.headless=true',
    `-Dlog4j.configuration=file:${logConfig}`,
    '-cp',
    classpath,
    mainClass,
    ...args,
  ];
}

/** A single-node KRaft broker on loopback with a fresh data folder on every start. */
async function start(): Promise<RunningService> {
  const dir = join(stateDir, 'kafka');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const port = await choosePort('kafka', 9092);
  const controllerPort = await choosePort('kafka', 9093, [port]);
  const saslPort = await choosePort('kafka', 9094, [port, controllerPort]);
  const properties = [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${port},SASL_PLAINTEXT://127.0.0.1:${saslPort},CONTROLLER://127.0.0.1:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${port},SASL_PLAINTEXT://127.0.0.1:${saslPort}`,
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT',
    // A second listener with authentication, so SASL/PLAIN and SASL/SCRAM (as on MSK) are tested for real.
    'sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-512',
    `listener.name.sasl_plaintext.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_${saslUser.username}="${saslUser.password}";`,
    'listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;',
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    `log.dirs=${join(dir, 'data')}`,
    'num.partitions=1',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=3',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'transaction.state.log.num.partitions=3',
    'group.initial.rebalance.delay.ms=0',
    'auto.create.topics.enable=false',
    'delete.topic.enable=true',
    // Retention checks every 5 s so tests that delete records see log-start offsets move quickly.
    'log.retention.check.interval.ms=5000',
  ];
  const config = join(dir, 'server.properties');
  writeFileSync(config, `${properties.join('\n')}\n`);
  const logConfig = join(dir, 'log4j.properties');
  writeFileSync(
    logConfig,
    [
      'log4j.rootLogger=WARN, stdout',
      'log4j.appender.stdout=org.apache.log4j.ConsoleAppender',
      'log4j.appender.stdout.layout=org.apache.log4j.PatternLayout',
      'log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n',
      'log4j.logger.kafka.server.KafkaRaftServer=INFO',
      '',
    ].join('\n'),
  );
  const logFile = join(stateDir, 'kafka.log');
  const clusterId = randomBytes(16).toString('base64url').slice(0, 22);
  await run(
    'java',
    javaArgs('kafka.tools.StorageTool', logConfig, [
      'format',
      '-t',
      clusterId,
      '-c',
      config,
      '--add-scram',
      `SCRAM-SHA-512=[name=${saslUser.username},password=${saslUser.password}]`,
    ]),
    {
      what: 'kafka-storage format',
    },
  );
  const child = startDetached('java', javaArgs('kafka.Kafka', logConfig, [config]), {
    env: process.env,
    logFile,
  });
  const pid = child.pid ?? 0;
  const service: RunningService = {
    pid,
    ports: { broker: port, controller: controllerPort, sasl: saslPort },
    fingerprint: fingerprint(),
    endpoint: `127.0.0.1:${port}`,
    logFile,
    startedAt: new Date().toISOString(),
  };
  await waitUntil('kafka', () => healthy(service), { timeoutMs: 60_000, alive: () => isAlive(pid), logFile });
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
function fingerprint(): string {
  return `${kafkaVersion} PLAINTEXT+SASL_PLAINTEXT(PLAIN,SCRAM-SHA-512)`;
}

export const kafka: ServiceDefinition = { name: 'kafka', provision, start, healthy, fingerprint };

/**
 * Runs one of Kafka's own command-line tools from the cached jars, e.g. ConsumerGroupCommand,
 * and returns its standard output.
 */
export async function runKafkaTool(mainClass: string, args: readonly string[]): Promise<string> {
  await provision();
  const logConfig = join(kafkaHome, 'tools-log4j.properties');
  if (!existsSync(logConfig)) writeFileSync(logConfig, 'log4j.rootLogger=ERROR\n');
  return await run(
    'java',
    ['-Xmx256m', `-Dlog4j.configuration=file:${logConfig}`, '-cp', classpath, mainClass, ...args],
    {
      what: mainClass,
    },
  );
}

export const consumerGroupCommandClass = 'org.apache.kafka.tools.consumer.group.ConsumerGroupCommand';
