import { afterEach, describe, expect, it } from 'vitest';
import { eventually, uniqueName } from '../../support/services';
import { runChaos, tally } from './fleet';
import { setUpScenario, startFleet, tearDown, waitCaughtUp, type Scenario } from './scenario';

const partitions = 6;
const records = 3000;
const slots = 3;

/** Reads `topic` from the beginning as read_committed, until every partition was read to its end. */
async function readCommitted(scenario: Scenario, topic: string): Promise<string[]> {
  const ends = await scenario.admin.fetchTopicOffsets(topic);
  const reader = scenario.kafka.consumer({
    groupId: uniqueName('auditor'),
    readUncommitted: false,
    maxWaitTimeInMs: 200,
  });
  const keys: string[] = [];
  // The last offset read per partition, control records (commit and abort markers) included.
  const reached = new Map<number, bigint>();
  reader.on(reader.events.END_BATCH_PROCESS, ({ payload }) => {
    reached.set(payload.partition, BigInt(payload.lastOffset));
  });
  await reader.connect();
  try {
    await reader.subscribe({ topic, fromBeginning: true });
    await reader.run({
      eachMessage: async ({ message }) => {
        keys.push(message.key?.toString() ?? '');
      },
    });
    await eventually(
      `a read_committed reader to reach the end of ${topic}`,
      async () =>
        ends.every(({ partition, high }) => high === '0' || (reached.get(partition) ?? -1n) >= BigInt(high) - 1n)
          ? true
          : undefined,
      { timeoutMs: 60_000 },
    );
  } finally {
    await reader.disconnect();
  }
  return keys;
}

describe('transactional strategy under chaos (SIGKILL mid-transaction, joins, leaves)', () => {
  let scenario: Scenario | undefined;
  afterEach(async () => {
    await tearDown(scenario);
    scenario = undefined;
  });

  it('the output topic read with read_committed holds every id exactly once', async () => {
    scenario = await setUpScenario('transactional', partitions, records);
    const output = `${scenario.topic}-billed`;
    scenario.extraTopics.push(output);
    await scenario.admin.createTopics({ topics: [{ topic: output, numPartitions: 3 }], waitForLeaders: true });
    const group = scenario.group;
    const fleet = startFleet(scenario, 'transactional', (slot) => [
      '--output-topic',
      output,
      // One transactional id per slot: a task restarted in the slot fences the one that was killed.
      '--transactional-id',
      `${group}-slot-${slot}`,
      '--transaction-timeout-ms',
      '10000',
      '--batch-size',
      '50',
      '--processing-time-ms',
      '4',
    ]);
    fleet.start(0);
    fleet.start(1);
    const report = await runChaos(fleet, {
      seed: 31,
      actions: ['kill', 'kill', 'kill', 'join', 'join', 'leave'],
      pauseMs: [1000, 2000],
      slots,
    });
    // Every slot runs again at the end, so no killed task's open transaction outlives the test.
    for (let slot = fleet.freeSlot(slots); slot !== undefined; slot = fleet.freeSlot(slots)) fleet.start(slot);
    await waitCaughtUp(scenario, 120_000);
    await fleet.stopAll();

    const processed = tally(records, fleet.processedIds());
    const delivered = tally(records, await readCommitted(scenario, output));
    console.info(
      `transactional: ${report.schedule.join(', ')}; processed more than once ${processed.duplicates}, ` +
        `output duplicates ${delivered.duplicates}, output missing ${delivered.missing.length}`,
    );
    expect(report.killsMidWork).toBeGreaterThanOrEqual(2);
    expect(delivered.missing).toEqual([]);
    expect(delivered.duplicates).toBe(0);
    expect(delivered.unexpected).toEqual([]);
    // The same chaos made some work happen twice; the transactions kept the repeats out of the output.
    expect(processed.missing).toEqual([]);
  });
});
