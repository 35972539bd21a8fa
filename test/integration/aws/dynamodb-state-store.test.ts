import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
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
});
