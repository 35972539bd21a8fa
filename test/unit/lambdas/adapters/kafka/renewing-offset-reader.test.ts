import { describe, expect, it } from 'vitest';
import { KafkaAuthenticationError, KafkaUnavailableError } from '#adapters/kafka/errors';
import { RenewingOffsetReader } from '#adapters/kafka/renewing-offset-reader';
import type { OffsetReader } from '#ports/offset-reader';

/** A reader that answers with its password's result: rejected after the rotation unless it is the new one. */
function fakeReader(password: string, accepted: () => string, closed: string[]): OffsetReader {
  return {
    read: async () => {
      if (password !== accepted()) throw new KafkaAuthenticationError(`authentication to Kafka failed (${password})`);
      return [{ kind: 'not-found', group: 'billing' }];
    },
    listGroups: async () => [],
    close: async () => void closed.push(password),
  };
}

describe('RenewingOffsetReader: the Kafka client is built again after a rotation', () => {
  it('rebuilds from the credentials read again when Kafka rejects the old ones, and retries the call once', async () => {
    let secret = 'p1';
    let broker = 'p1';
    const closed: string[] = [];
    const renewals: string[] = [];
    let builds = 0;
    const reader = new RenewingOffsetReader(
      async () => {
        builds += 1;
        return fakeReader(secret, () => broker, closed);
      },
      (reason) => renewals.push(reason),
    );
    await reader.read([{ group: 'billing' }]);
    await reader.read([{ group: 'billing' }]);
    expect(builds).toBe(1);
    secret = 'p2';
    broker = 'p2';
    await expect(reader.read([{ group: 'billing' }])).resolves.toEqual([{ kind: 'not-found', group: 'billing' }]);
    expect(builds).toBe(2);
    expect(closed).toEqual(['p1']);
    expect(renewals).toEqual(['authentication to Kafka failed (p1)']);
  });

  it('still rejected: the call fails, and the next call reads the credentials again', async () => {
    let builds = 0;
    const reader = new RenewingOffsetReader(async () => {
      builds += 1;
      return fakeReader('old', () => 'new', []);
    });
    await expect(reader.read([])).rejects.toBeInstanceOf(KafkaAuthenticationError);
    expect(builds).toBe(2);
    await expect(reader.read([])).rejects.toBeInstanceOf(KafkaAuthenticationError);
    expect(builds).toBe(4);
  });

  it('other failures are not retried and keep the client (its connections)', async () => {
    let builds = 0;
    const reader = new RenewingOffsetReader(async () => {
      builds += 1;
      return {
        read: async () => {
          throw new KafkaUnavailableError('cannot reach Kafka brokers', { retriable: true });
        },
        listGroups: async () => [],
        close: async () => undefined,
      };
    });
    await expect(reader.read([])).rejects.toThrow(/cannot reach/);
    await expect(reader.read([])).rejects.toThrow(/cannot reach/);
    expect(builds).toBe(1);
  });

  it('a reader that cannot be built (secret unreadable) fails the call and is built again next time', async () => {
    let builds = 0;
    const reader = new RenewingOffsetReader(async () => {
      builds += 1;
      if (builds === 1) throw new Error('cannot read Kafka credentials from secret');
      return fakeReader('p', () => 'p', []);
    });
    await expect(reader.read([])).rejects.toThrow(/cannot read Kafka credentials/);
    await expect(reader.read([])).resolves.toHaveLength(1);
  });

  it('recognises kafkajs’s own SASL error, also when wrapped', async () => {
    const sasl = Object.assign(new Error('SASL SCRAM SHA512 authentication failed'), {
      name: 'KafkaJSSASLAuthenticationError',
    });
    let calls = 0;
    const reader = new RenewingOffsetReader(async () => ({
      read: async () => {
        calls += 1;
        if (calls === 1) throw new Error('read failed', { cause: sasl });
        return [];
      },
      listGroups: async () => [],
      close: async () => undefined,
    }));
    await expect(reader.read([])).resolves.toEqual([]);
    expect(calls).toBe(2);
  });
});
