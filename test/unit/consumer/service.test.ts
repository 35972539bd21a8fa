import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../consumer/config';
import type { FetchedBatch, GroupConsumer } from '../../../consumer/ports';
import { ConsumerService } from '../../../consumer/service';

/** A group member whose join completes when the test says so, and which hands out one batch after it. */
function slowJoiningConsumer(events: string[]) {
  let joined: () => void = () => undefined;
  let stopRequested = false;
  const consumer: GroupConsumer = {
    run: async (handle) => {
      events.push('joining');
      await new Promise<void>((resolve) => (joined = resolve));
      events.push('joined');
      const batch: FetchedBatch = {
        topic: 't',
        partition: 0,
        records: [{ topic: 't', partition: 0, offset: 0n, key: 'id-0', value: 'v' }],
        markProcessed: () => events.push('mark'),
        commit: async () => {
          events.push('commit');
        },
        commitIfDue: async () => undefined,
        heartbeat: async () => undefined,
        committedOffset: async () => undefined,
        shouldStop: () => stopRequested,
      };
      await handle(batch);
    },
    requestStop: () => {
      stopRequested = true;
      events.push('stop requested');
    },
    stop: async () => {
      events.push('stop');
    },
    disconnect: async () => {
      events.push('disconnect');
    },
  };
  return { consumer, join: () => joined() };
}

const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

describe('ConsumerService', () => {
  it('a shutdown during the join stops taking records at once, lets the join finish, then stops and leaves', async () => {
    const events: string[] = [];
    const { consumer, join } = slowJoiningConsumer(events);
    const service = new ConsumerService({
      config: parseConfig({ brokers: '127.0.0.1:9092', progressIntervalMs: '0' }),
      consumer,
      producers: undefined,
      step: async () => {
        events.push('processed');
        return {};
      },
      log: quiet,
      processedLog: undefined,
      onFatal: () => undefined,
    });
    const started = service.start();
    const stopped = service.shutdown('SIGTERM');
    await Promise.resolve();
    expect(events).toEqual(['joining', 'stop requested']);
    join();
    await started;
    expect(await stopped).toBe('clean');
    expect(events).toEqual(['joining', 'stop requested', 'joined', 'stop', 'disconnect']);
    expect(service.progress().state).toBe('stopped');
  });

  it('a second shutdown joins the first', async () => {
    const events: string[] = [];
    const { consumer, join } = slowJoiningConsumer(events);
    const service = new ConsumerService({
      config: parseConfig({ brokers: '127.0.0.1:9092', progressIntervalMs: '0' }),
      consumer,
      producers: undefined,
      step: async () => ({}),
      log: quiet,
      processedLog: undefined,
      onFatal: () => undefined,
    });
    void service.start();
    const first = service.shutdown('SIGTERM');
    const second = service.shutdown('SIGINT');
    join();
    expect(await Promise.all([first, second])).toEqual(['clean', 'clean']);
    expect(events.filter((event) => event === 'stop')).toHaveLength(1);
  });
});
