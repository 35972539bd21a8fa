import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Admin, Kafka } from 'kafkajs';
import { eventually, services, uniqueName } from '../../support/services';
import { ConsumerFleet, consumerBundle, groupCaughtUp, produceIds, scenarioKafka } from './fleet';

/** One test's topic, group, consumer processes and scratch directory. */
export interface Scenario {
  readonly brokers: string;
  readonly topic: string;
  readonly group: string;
  readonly dir: string;
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly records: number;
  readonly extraTopics: string[];
  fleet: ConsumerFleet | undefined;
}

/** Settings every test consumer gets: short session timeout so that a SIGKILLed member is noticed in seconds. */
export const fastGroupArgs = [
  '--session-timeout-ms',
  '6000',
  '--heartbeat-interval-ms',
  '500',
  '--progress-interval-ms',
  '2000',
  '--shutdown-timeout-ms',
  '20000',
] as const;

/** Creates a unique topic with `records` unique ids over `partitions`. */
export async function setUpScenario(prefix: string, partitions: number, records: number): Promise<Scenario> {
  const { kafkaBrokers } = services();
  const kafka = scenarioKafka(kafkaBrokers);
  const admin = kafka.admin();
  await admin.connect();
  const topic = uniqueName(`patient-checkout-${prefix}`);
  await produceIds(kafka, topic, partitions, records);
  return {
    brokers: kafkaBrokers,
    topic,
    group: uniqueName(`billing-${prefix}`),
    dir: mkdtempSync(join(tmpdir(), `consumer-${prefix}-`)),
    kafka,
    admin,
    records,
    extraTopics: [],
    fleet: undefined,
  };
}

/** A fleet of consumer processes of the scenario's group with the given strategy and flags. */
export async function startFleet(
  scenario: Scenario,
  strategy: string,
  extra: (slot: number) => readonly string[] = () => [],
): Promise<ConsumerFleet> {
  const entry = await consumerBundle();
  const fleet = new ConsumerFleet(
    scenario.dir,
    (slot) => [
      '--brokers',
      scenario.brokers,
      '--group',
      scenario.group,
      '--topic',
      scenario.topic,
      '--strategy',
      strategy,
      '--log-level',
      'INFO',
      ...fastGroupArgs,
      ...extra(slot),
    ],
    entry,
  );
  scenario.fleet = fleet;
  return fleet;
}

/** Waits until the group committed the end of every partition. */
export async function waitCaughtUp(scenario: Scenario, timeoutMs: number): Promise<void> {
  await eventually(
    `group ${scenario.group} to commit the end of ${scenario.topic}`,
    async () => ((await groupCaughtUp(scenario.admin, scenario.group, scenario.topic)) ? true : undefined),
    { timeoutMs, intervalMs: 500 },
  );
}

/** Kills every process the scenario started, deletes its topics and scratch files. */
export async function tearDown(scenario: Scenario | undefined): Promise<void> {
  if (scenario === undefined) return;
  await scenario.fleet?.destroy();
  await scenario.admin.deleteTopics({ topics: [scenario.topic, ...scenario.extraTopics] }).catch(() => undefined);
  await scenario.admin.disconnect();
  rmSync(scenario.dir, { recursive: true, force: true });
}
