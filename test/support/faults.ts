/**
 * The fault suite's environment and ledger: Toxiproxy between the scaler and Kafka (the `kafka-faults`
 * broker, whose proxied listeners advertise the proxy's address), moto (ECS, DynamoDB) and LocalStack
 * (CloudWatch); the scaler's real adapters pointed at the proxies with short timeouts; and per fault
 * the table row the README shows (what the ticks did, actions, wrong actions, silent failures, ticks to
 * recover), measured from what the scaler did, not asserted from what it should do.
 */
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { awsClientOptions } from '#adapters/aws/client-options';
import { CloudWatchMetricsSink } from '#adapters/aws/cloudwatch-metrics-sink';
import { DynamoDbStateStore } from '#adapters/aws/dynamodb-state-store';
import { EcsServiceCapacity } from '#adapters/aws/ecs-service-capacity';
import { KafkajsOffsetReader } from '#adapters/kafka/kafkajs-offset-reader';
import { runTick, type TickDependencies, type TickReport } from '#application/tick';
import { parseScalerConfig, type ScalerConfig } from '#domain/config/scaler-config';
import type { MetricDatum, MetricsSink } from '#ports/metrics-sink';
import type { OffsetReader } from '#ports/offset-reader';
import type { ServiceCapacity, ServiceRef } from '#ports/service-capacity';
import type { StateStore } from '#ports/state-store';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { proxiedListenersOf } from '../../tools/services/kafka';
import { down, restart, up } from '../../tools/services/manager';
import { freePort } from '../../tools/services/proc';
import { createConsumerService } from './ecs';
import { closeCommitter, commit, createTopic, produce } from './kafka';
import { capturingLogger, createStateTable } from './scaler';
import { awsClientConfig, services, uniqueName } from './services';
import { Toxiproxy, type Proxy } from './toxiproxy';

/** Short bounds, so a fault costs the suite seconds: what the production defaults do in tens of seconds. */
export const faultTimeouts = {
  aws: { connectionTimeoutMs: 500, requestTimeoutMs: 1_500, maxAttempts: 2 },
  kafka: { connectionTimeoutMs: 1_000, requestTimeoutMs: 2_000, readTimeoutMs: 5_000 },
} as const;

/** Toxiproxy in front of moto (ECS, DynamoDB) and LocalStack (CloudWatch); Kafka read directly at `brokers`. */
export interface FaultEnvironment {
  readonly toxiproxy: Toxiproxy;
  /** Where the scaler reads Kafka (through a proxy in the Kafka suite). */
  readonly brokers: string;
  /** Where scenarios are arranged (produce, commit), never through a proxy. */
  readonly directBrokers: string;
  readonly ecs: Proxy;
  readonly dynamodb: Proxy;
  readonly cloudwatch: Proxy;
  close(): Promise<void>;
}

/** The Kafka suite's environment: the fault broker, read only through proxies. */
export interface KafkaFaultEnvironment extends FaultEnvironment {
  /** The fault broker's proxied PLAINTEXT listener (bootstrap and every broker connection). */
  readonly kafka: Proxy;
  /** The fault broker's proxied SASL_PLAINTEXT listener (PLAIN, SCRAM-SHA-512). */
  readonly kafkaSasl: Proxy;
  /** Stops the fault broker and starts it again on the same data (`whileDown` runs while it is down). */
  restartBroker(whileDown?: () => Promise<void>): Promise<void>;
}

/** Starts Toxiproxy (if not running) and puts a proxy in front of moto and LocalStack. */
export async function startFaultEnvironment(suite: string): Promise<FaultEnvironment> {
  const { services: running, started } = await up(['toxiproxy']);
  if (!running.toxiproxy) throw new Error('services: toxiproxy did not start');
  const toxiproxy = new Toxiproxy(running.toxiproxy.endpoint);
  const http = (url: string) => new URL(url).host;
  const proxies = {
    ecs: await toxiproxy.proxy(`${suite}-ecs`, await freePort(), http(services().moto)),
    dynamodb: await toxiproxy.proxy(`${suite}-dynamodb`, await freePort(), http(services().moto)),
    cloudwatch: await toxiproxy.proxy(`${suite}-cloudwatch`, await freePort(), http(services().localstack)),
  };
  return {
    toxiproxy,
    ...proxies,
    brokers: services().kafkaBrokers,
    directBrokers: services().kafkaBrokers,
    close: async () => {
      await Promise.all(Object.values(proxies).map((proxy) => toxiproxy.delete(proxy).catch(() => undefined)));
      if (started.length > 0) await down(started);
    },
  };
}

/** The same, plus the fault broker (started if not running) behind two more proxies. */
export async function startKafkaFaultEnvironment(suite: string): Promise<KafkaFaultEnvironment> {
  const base = await startFaultEnvironment(suite);
  const { services: running, started } = await up(['kafka-faults']);
  const broker = running['kafka-faults'];
  const listeners = broker === undefined ? undefined : proxiedListenersOf(broker);
  if (!broker || !listeners) throw new Error('services: kafka-faults did not start with proxied listeners');
  const { toxiproxy } = base;
  const kafka = await toxiproxy.proxy(`${suite}-kafka`, listeners.plainProxy, `127.0.0.1:${listeners.plain}`);
  const kafkaSasl = await toxiproxy.proxy(`${suite}-kafka-sasl`, listeners.saslProxy, `127.0.0.1:${listeners.sasl}`);
  return {
    ...base,
    kafka,
    kafkaSasl,
    brokers: kafka.address,
    directBrokers: broker.endpoint,
    restartBroker: async (whileDown) => void (await restart('kafka-faults', whileDown)),
    close: async () => {
      await Promise.all([kafka, kafkaSasl].map((proxy) => toxiproxy.delete(proxy).catch(() => undefined)));
      if (started.length > 0) await down(started);
      await base.close();
    },
  };
}

/** The real ECS adapter, keeping every UpdateService attempt and whether it returned. */
export function recordingCapacity(inner: ServiceCapacity, around: AroundCall = (call) => call()) {
  const updates: { count: number; ok: boolean; atMs: number }[] = [];
  const capacity: ServiceCapacity = {
    describe: (service) => inner.describe(service),
    setDesired: async (service, count) => {
      try {
        await around(() => inner.setDesired(service, count), updates.length);
        updates.push({ count, ok: true, atMs: Date.now() });
      } catch (error) {
        updates.push({ count, ok: false, atMs: Date.now() });
        throw error;
      }
    },
  };
  return { capacity, updates };
}

function aroundSaves(store: StateStore<unknown>, around: AroundCall | undefined): StateStore<unknown> {
  if (around === undefined) return store;
  let saves = 0;
  return {
    load: (target) => store.load(target),
    save: async (target, state, expected) => {
      let version = 0;
      await around(async () => {
        version = await store.save(target, state, expected);
      }, saves++);
      return version;
    },
  };
}

/** The real CloudWatch sink, keeping what each publish delivered (a failed one delivers nothing now). */
export function recordingSink(inner: MetricsSink) {
  const delivered: MetricDatum[] = [];
  const failures: string[] = [];
  let pending: MetricDatum[] = [];
  const sink: MetricsSink = {
    publish: async (metrics) => {
      try {
        await inner.publish(metrics);
        // The real sink sends what a failed publish kept with this one: so do we, in the ledger.
        delivered.push(...pending, ...metrics);
        pending = [];
      } catch (error) {
        pending.push(...metrics);
        failures.push(String(error));
        throw error;
      }
    },
  };
  return { sink, delivered, failures };
}

/** One backlog of `lag` records per partition on a new topic, committed at 0 by a memberless group. */
export async function backlogOn(directBrokers: string, lag: number): Promise<{ topic: string; group: string }> {
  const kafka = new Kafka({ brokers: [directBrokers], clientId: 'fault-setup', logLevel: logLevel.NOTHING });
  const admin: Admin = kafka.admin();
  await admin.connect();
  const topic = uniqueName('patient-checkout');
  const group = uniqueName('billing');
  try {
    await createTopic(admin, topic, 4);
    await produce(kafka, topic, [lag, lag, lag, lag]);
    await commit(kafka, group, topic, { 0: 0, 1: 0, 2: 0, 3: 0 });
  } finally {
    await closeCommitter(kafka);
    await admin.disconnect();
  }
  return { topic, group };
}

/**
 * The policy of every scenario: 300 records per partition at 250 per task asks for 4 tasks (the cap).
 * A memberless group never settles, so the settle timeout is tiny: the first tick starts the wait,
 * every later one may scale out, and a scale-in still waits for a settled group.
 */
export const faultPolicy = {
  lagPerTaskThreshold: 250,
  maxTasks: 8,
  scaleInStabilizationSeconds: 0,
  settleTimeoutSeconds: 0.001,
};

/** Runs a call (the n-th of its kind, from 0) inside whatever the scenario puts around it, e.g. a toxic. */
export type AroundCall = (call: () => Promise<void>, n: number) => Promise<void>;

/** One scaler target wired through the proxies: the real adapters, recorded. */
export interface FaultyScaler {
  readonly config: ScalerConfig;
  readonly deps: TickDependencies;
  readonly service: ServiceRef;
  readonly table: string;
  readonly updates: ReturnType<typeof recordingCapacity>['updates'];
  readonly delivered: MetricDatum[];
  readonly logger: ReturnType<typeof capturingLogger>;
  readonly directEcs: ECSClient;
  readonly directDynamodb: DynamoDBClient;
  /** One tick, kept for the ledger. */
  tick(): Promise<TickReport>;
  readonly reports: TickReport[];
  close(): Promise<void>;
}

export async function faultyScaler(
  env: FaultEnvironment,
  options: {
    readonly namespace: string;
    readonly lag?: number;
    readonly reader?: (brokers: string) => OffsetReader;
    /** Around each UpdateService. */
    readonly aroundUpdate?: AroundCall;
    /** Around each state save (the claim, then the outcome). */
    readonly aroundSave?: AroundCall;
    /** The ECS client's HTTP handler (a test double for faults moto cannot show: throttling, 5xx). */
    readonly ecsRequestHandler?: NonNullable<ConstructorParameters<typeof ECSClient>[0]>['requestHandler'];
    readonly deadline?: () => number;
  },
): Promise<FaultyScaler> {
  const aws = awsClientOptions(faultTimeouts.aws);
  const directEcs = new ECSClient(awsClientConfig(services().moto));
  const directDynamodb = new DynamoDBClient(awsClientConfig(services().moto));
  const table = await createStateTable(directDynamodb);
  const service = await createConsumerService(directEcs, { service: 'billing', desiredCount: 1 });
  await directEcs.send(new UpdateServiceCommand({ ...service, desiredCount: 1 }));
  const { topic, group } = await backlogOn(env.directBrokers, options.lag ?? 300);
  const ecs = new ECSClient({
    ...awsClientConfig(env.ecs.url),
    ...aws,
    ...(options.ecsRequestHandler === undefined ? {} : { requestHandler: options.ecsRequestHandler }),
  });
  const recorded = recordingCapacity(new EcsServiceCapacity(ecs), options.aroundUpdate);
  const metrics = recordingSink(
    new CloudWatchMetricsSink(
      new CloudWatchClient({ ...awsClientConfig(env.cloudwatch.url), ...aws }),
      options.namespace,
    ),
  );
  const reader =
    options.reader?.(env.brokers) ??
    new KafkajsOffsetReader({
      connection: { brokers: [env.brokers], ...faultTimeouts.kafka },
      clock: { now: () => Date.now() },
      readTimeoutMs: faultTimeouts.kafka.readTimeoutMs,
    });
  const logger = capturingLogger();
  const deps: TickDependencies = {
    reader,
    capacity: recorded.capacity,
    store: aroundSaves(
      new DynamoDbStateStore<unknown>(new DynamoDBClient({ ...awsClientConfig(env.dynamodb.url), ...aws }), {
        table,
        now: () => Date.now(),
      }),
      options.aroundSave,
    ),
    metrics: metrics.sink,
    clock: { now: () => Date.now() },
    logger,
    deadline: options.deadline,
  };
  const config = parseScalerConfig({
    kafka: { brokers: [env.brokers] },
    metricsNamespace: options.namespace,
    targets: [{ group, topics: [topic], service, policy: faultPolicy }],
  });
  const reports: TickReport[] = [];
  return {
    config,
    deps,
    service,
    table,
    updates: recorded.updates,
    delivered: metrics.delivered,
    logger,
    directEcs,
    directDynamodb,
    reports,
    tick: async () => {
      const report = await runTick(config, deps);
      reports.push(report);
      return report;
    },
    close: () => reader.close(),
  };
}

/** One row of the fault table. */
export interface FaultRow {
  readonly fault: string;
  readonly injected: string;
  /** The target's outcome per tick, e.g. `held(no-data) -> acted`. */
  readonly outcomes: string;
  readonly actions: number;
  readonly wrongActions: number;
  readonly silentFailures: number;
  readonly ticksToRecover: number;
}

const abnormalMetrics = new Set(['ScalerErrors', 'ScalingFailures', 'StateConflicts', 'StateReset']);

/** The outcome of the scenario's one target in a tick, as the table shows it. */
export function outcomeOf(report: TickReport): string {
  const outcome = report.targets[0];
  if (outcome === undefined) return 'none';
  if (outcome.kind === 'error') return 'error';
  const rule = outcome.decision?.rule;
  return rule === undefined ? outcome.kind : `${outcome.kind}(${rule})`;
}

/** A tick the fault touched: Kafka unreadable, or the target not decided and carried out normally. */
function abnormal(report: TickReport): boolean {
  const outcome = report.targets[0];
  const data = outcome !== undefined && 'decision' in outcome ? outcome.decision?.inputs.freshness : undefined;
  return (
    report.kafkaError !== undefined ||
    outcome === undefined ||
    ['error', 'failed', 'conflict'].includes(outcome.kind) ||
    (data !== undefined && data !== 'complete')
  );
}

/** The tick's metrics delivered to CloudWatch at any time (a failed publish's arrive with the next). */
function deliveredFor(scaler: FaultyScaler, report: TickReport): MetricDatum[] {
  const end = report.startedAtMs + report.durationMs;
  return scaler.delivered.filter((m) => m.timestampMs >= report.startedAtMs && m.timestampMs <= end);
}

/**
 * The row for a scenario, measured: actions = UpdateService calls that returned; wrong actions =
 * scale-ins (every scenario has a backlog) plus calls beyond the one scale-out the backlog asks for;
 * silent failures = ticks the fault touched whose ScalerErrors/ScalingFailures/StateConflicts/
 * StateReset never reached CloudWatch (extra: a tick that is `alsoVisible` some other way, e.g. a
 * failed publish, counts as visible); ticks to recover = ticks after the fault ended until a normal one.
 */
export function faultRow(
  scaler: FaultyScaler,
  fault: { fault: string; injected: string; faultTicks: number; alsoVisible?: (report: TickReport) => boolean },
): FaultRow {
  const { reports } = scaler;
  const ok = scaler.updates.filter((u) => u.ok);
  const scaleIns = ok.filter((u, i) => u.count < (i === 0 ? 1 : (ok[i - 1]?.count ?? 1))).length;
  const silent = reports.filter(
    (report) =>
      abnormal(report) &&
      !(fault.alsoVisible?.(report) ?? false) &&
      !deliveredFor(scaler, report).some((m) => abnormalMetrics.has(m.name) && m.value > 0),
  ).length;
  const after = reports.slice(fault.faultTicks);
  // A tick that reports an earlier invocation's failure (ScalingFailures alone) and acts is a recovered one.
  const troubled = (report: TickReport): boolean =>
    abnormal(report) ||
    deliveredFor(scaler, report).some(
      (m) => m.name !== 'ScalingFailures' && abnormalMetrics.has(m.name) && m.value > 0,
    );
  const firstNormal = after.findIndex((report) => !troubled(report));
  const touched = reports.slice(0, fault.faultTicks).some(troubled);
  return {
    fault: fault.fault,
    injected: fault.injected,
    outcomes: reports.map((report) => annotated(scaler, report)).join(' -> '),
    actions: ok.length,
    wrongActions: scaleIns + Math.max(0, ok.length - 1),
    silentFailures: silent,
    ticksToRecover: !touched ? 0 : firstNormal < 0 ? Infinity : firstNormal + 1,
  };
}

/** A tick's outcome with the metrics that reported a problem, e.g. `failed(lag-threshold) [ScalingFailures]`. */
function annotated(scaler: FaultyScaler, report: TickReport): string {
  const names = deliveredFor(scaler, report)
    .filter((m) => abnormalMetrics.has(m.name) && m.value > 0)
    .map((m) => m.name);
  const unique = [...new Set(names)];
  return unique.length === 0 ? outcomeOf(report) : `${outcomeOf(report)} [${unique.join(', ')}]`;
}

/** Prints the rows as the README's markdown table. */
export function printFaultTable(title: string, rows: readonly FaultRow[], timing?: FaultSuiteTiming): void {
  const head = '| fault | injected | ticks (outcome) | actions | wrong actions | silent failures | ticks to recover |';
  const lines = rows.map(
    (r) =>
      `| ${r.fault} | ${r.injected} | ${r.outcomes} | ${r.actions} | ${r.wrongActions} | ${r.silentFailures} | ${r.ticksToRecover} |`,
  );
  const took = timing === undefined ? '' : `\n${rows.length} faults in ${describeTiming(timing)}`;
  console.log(`\n${title}${took}\n${head}\n|---|---|---|---|---|---|---|\n${lines.join('\n')}\n`);
}

/** When a fault file started and how long its environment took to come up (services, proxies). */
export interface FaultSuiteTiming {
  readonly startedAtMs: number;
  readonly setupMs: number;
}

const inSeconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

function describeTiming(timing: FaultSuiteTiming): string {
  const total = Date.now() - timing.startedAtMs;
  return `${inSeconds(total)} (environment ${inSeconds(timing.setupMs)}, faults ${inSeconds(total - timing.setupMs)})`;
}

/** Starts a fault file's environment and remembers how long that took, for the printed table. */
export async function timedSetup<T>(start: () => Promise<T>): Promise<{ value: T; timing: FaultSuiteTiming }> {
  const startedAtMs = Date.now();
  const value = await start();
  return { value, timing: { startedAtMs, setupMs: Date.now() - startedAtMs } };
}
