import { gzipSync } from 'node:zlib';
import { DynamoDBClient, GetItemCommand, PutItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbStateStore } from '#adapters/aws/dynamodb-state-store';
import { StateConflictError, StateTooLargeError } from '#ports/state-store';
import { createStateTable } from '../../support/scaler';
import { awsClientConfig, services, uniqueName } from '../../support/services';

describe('DynamoDbStateStore (moto DynamoDB)', () => {
  const dynamodb = new DynamoDBClient(awsClientConfig(services().moto));
  const table = uniqueName('scaler-state');
  const now = Date.UTC(2026, 10, 24, 9, 0, 0);
  const store = new DynamoDbStateStore<{ lastAction: string; history: number[] }>(dynamodb, { table, now: () => now });

  beforeAll(async () => {
    await createStateTable(dynamodb, table);
  });

  it('saves, loads and versions a target state with a TTL', async () => {
    expect(await store.load('billing')).toBeUndefined();
    const v1 = await store.save('billing', { lastAction: 'none', history: [1, 2] }, undefined);
    const v2 = await store.save('billing', { lastAction: 'scale 2->4', history: [1, 2, 3] }, v1);
    expect([v1, v2]).toEqual([1, 2]);
    expect(await store.load('billing')).toEqual({
      version: 2,
      state: { lastAction: 'scale 2->4', history: [1, 2, 3] },
    });
    const raw = await dynamodb.send(new GetItemCommand({ TableName: table, Key: { target: { S: 'billing' } } }));
    expect(Number(raw.Item?.expiresAt?.N)).toBe(now / 1000 + 7 * 86_400);
  });

  it('two writers from the same version: exactly one wins, the other gets StateConflictError', async () => {
    const v1 = await store.save('pharmacy', { lastAction: 'none', history: [] }, undefined);
    const outcomes = await Promise.allSettled([
      store.save('pharmacy', { lastAction: 'a', history: [] }, v1),
      store.save('pharmacy', { lastAction: 'b', history: [] }, v1),
    ]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const rejected = outcomes.find((o) => o.status === 'rejected');
    expect(rejected?.status === 'rejected' && rejected.reason).toBeInstanceOf(StateConflictError);
    await expect(store.save('pharmacy', { lastAction: 'c', history: [] }, undefined)).rejects.toBeInstanceOf(
      StateConflictError,
    );
  });

  it('refuses a state over the item budget, naming the target and the fix', async () => {
    const small = new DynamoDbStateStore<{ history: string[] }>(dynamodb, {
      table,
      now: () => now,
      maxStateBytes: 1_000,
    });
    const noisy = { history: Array.from({ length: 2_000 }, (_, i) => `${i}-${Math.random()}`) };
    await expect(small.save('housekeeping', noisy, undefined)).rejects.toThrow(StateTooLargeError);
    await expect(small.save('housekeeping', noisy, undefined)).rejects.toThrow(
      /housekeeping .* lower the history length/,
    );
  });

  describe('an item the scaler cannot read is reported with its version and replaced by the next save', () => {
    const put = (target: string, item: Record<string, AttributeValue>) =>
      dynamodb.send(new PutItemCommand({ TableName: table, Item: { target: { S: target }, ...item } }));

    it.each([
      ['a corrupt blob', { version: { N: '5' }, state: { B: Buffer.from('not gzip at all') } }, 5, /not gzipped JSON/],
      ['a version but no state', { version: { N: '5' } }, 5, /no binary state attribute/],
      [
        'gzipped text that is not JSON',
        { version: { N: '5' }, state: { B: gzipSync('{oops') } },
        5,
        /not gzipped JSON/,
      ],
      ['no version', { state: { B: gzipSync('{}') } }, 0, /no numeric version/],
      [
        'a version that is not a number',
        { version: { S: 'v5' }, state: { B: gzipSync('{}') } },
        0,
        /no numeric version/,
      ],
    ])('%s', async (_name, item, version, problem) => {
      const target = uniqueName('radiology');
      await put(target, item);
      const loaded = await store.load(target);
      expect(loaded).toEqual({ version, unreadable: expect.stringMatching(problem) as unknown });
      const saved = await store.save(target, { lastAction: 'fresh', history: [] }, version);
      expect(saved).toBe(version + 1);
      expect(await store.load(target)).toEqual({ version: version + 1, state: { lastAction: 'fresh', history: [] } });
    });

    it('a state of another shape loads as it is (the tick validates it)', async () => {
      await put('pathology', { version: { N: '2' }, state: { B: gzipSync('{"schema":1}') } });
      expect(await store.load('pathology')).toEqual({ version: 2, state: { schema: 1 } });
    });

    it('replacing an item without a version is still a claim: a second writer conflicts', async () => {
      const target = uniqueName('oncology');
      await put(target, { state: { B: gzipSync('{}') } });
      await store.save(target, { lastAction: 'a', history: [] }, 0);
      await expect(store.save(target, { lastAction: 'b', history: [] }, 0)).rejects.toBeInstanceOf(StateConflictError);
    });
  });
});
