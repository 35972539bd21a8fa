import { gzipSync } from 'node:zlib';
import { DynamoDBClient, GetItemCommand, PutItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbStateStore } from '#adapters/aws/dynamodb-state-store';
import { StateConflictError, StateTooLargeError } from '#ports/state-store';
import { countCalls } from '../../support/aws-calls';
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

  it('loads many targets 100 per BatchGetItem, strongly consistent, absent ones as no state', async () => {
    const { client, counts } = countCalls(new DynamoDBClient(awsClientConfig(services().moto)));
    const batched = new DynamoDbStateStore<{ n: number }>(client, { table, now: () => now, batchSaves: false });
    const targets = Array.from({ length: 150 }, (_, i) => `load-${i}`);
    for (const target of targets.slice(0, 120)) await batched.save(target, { n: Number(target.slice(5)) }, undefined);
    counts.clear();
    const loads = await batched.loadMany([...targets, 'load-3']);
    expect(counts.get('BatchGetItem')).toBe(2);
    expect(loads.slice(0, 3)).toEqual([
      { kind: 'loaded', stored: { version: 1, state: { n: 0 } } },
      { kind: 'loaded', stored: { version: 1, state: { n: 1 } } },
      { kind: 'loaded', stored: { version: 1, state: { n: 2 } } },
    ]);
    expect(loads[119]).toEqual({ kind: 'loaded', stored: { version: 1, state: { n: 119 } } });
    expect(loads[120]).toEqual({ kind: 'loaded', stored: undefined });
    expect(loads[150]).toEqual(loads[3]);
  });

  it('saves issued together go out as one transaction of conditional puts; a conflict fails only its target', async () => {
    const { client, counts } = countCalls(new DynamoDBClient(awsClientConfig(services().moto)));
    const batched = new DynamoDbStateStore<{ n: number }>(client, { table, now: () => now });
    const targets = Array.from({ length: 130 }, (_, i) => `batch-${i}`);
    const first = await Promise.all(targets.map((t) => batched.save(t, { n: 1 }, undefined)));
    expect(first.every((v) => v === 1)).toBe(true);
    expect(counts.get('TransactWriteItems')).toBe(2);
    expect(counts.get('PutItem')).toBeUndefined();
    // Someone else moved batch-7 on; the others of the same transaction still save.
    await store.save('batch-7', { lastAction: 'elsewhere', history: [] }, 1);
    counts.clear();
    const second = await Promise.allSettled(targets.slice(0, 10).map((t) => batched.save(t, { n: 2 }, 1)));
    expect(second.map((o) => o.status)).toEqual([
      ...Array<string>(7).fill('fulfilled'),
      'rejected',
      'fulfilled',
      'fulfilled',
    ]);
    const rejected = second[7];
    expect(rejected?.status === 'rejected' && rejected.reason).toBeInstanceOf(StateConflictError);
    // Cancelled once for batch-7, then the nine others again.
    expect(counts.get('TransactWriteItems')).toBe(2);
    expect(await batched.load('batch-8')).toMatchObject({ state: { n: 2 } });
    expect((await batched.load('batch-7'))?.version).toBe(2);
  });

  it('a lone save stays a PutItem', async () => {
    const { client, counts } = countCalls(new DynamoDBClient(awsClientConfig(services().moto)));
    const batched = new DynamoDbStateStore<{ n: number }>(client, { table, now: () => now });
    await batched.save('alone', { n: 1 }, undefined);
    expect(Object.fromEntries(counts)).toEqual({ PutItem: 1 });
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
