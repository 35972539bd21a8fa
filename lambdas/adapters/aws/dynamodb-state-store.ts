import { gunzipSync, gzipSync } from 'node:zlib';
import {
  ConditionalCheckFailedException,
  GetItemCommand,
  PutItemCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { StateConflictError, StateTooLargeError, type StateStore, type StoredState } from '#ports/state-store';

export interface DynamoDbStateStoreOptions {
  readonly table: string;
  /** Items expire this long after their last save (DynamoDB TTL on `expiresAt`). @default 7 days */
  readonly ttlSeconds?: number;
  /** Refuse to save a compressed state larger than this; DynamoDB's item limit is 400 KB. @default 350_000 */
  readonly maxStateBytes?: number;
  readonly now: () => number;
}

/**
 * One item per target: the state as gzipped JSON, a version for optimistic concurrency and a TTL.
 * The state must be JSON-safe (the application converts bigint offsets to strings).
 */
export class DynamoDbStateStore<T> implements StateStore<T> {
  constructor(
    private readonly dynamodb: DynamoDBClient,
    private readonly options: DynamoDbStateStoreOptions,
  ) {}

  async load(target: string): Promise<StoredState<T> | undefined> {
    const result = await this.dynamodb.send(
      new GetItemCommand({ TableName: this.options.table, Key: { target: { S: target } }, ConsistentRead: true }),
    );
    const item = result.Item;
    if (!item?.state?.B || !item.version?.N) return undefined;
    return { version: Number(item.version.N), state: JSON.parse(gunzipSync(item.state.B).toString('utf8')) as T };
  }

  async save(target: string, state: T, expectedVersion: number | undefined): Promise<number> {
    const body = gzipSync(Buffer.from(JSON.stringify(state), 'utf8'));
    const limit = this.options.maxStateBytes ?? 350_000;
    if (body.length > limit) {
      throw new StateTooLargeError(
        `state of target ${target} is ${body.length} bytes compressed, over the ${limit}-byte limit; lower the history length`,
      );
    }
    const version = (expectedVersion ?? 0) + 1;
    const nowMs = this.options.now();
    try {
      await this.dynamodb.send(
        new PutItemCommand({
          TableName: this.options.table,
          Item: {
            target: { S: target },
            version: { N: String(version) },
            state: { B: body },
            updatedAt: { S: new Date(nowMs).toISOString() },
            expiresAt: { N: String(Math.floor(nowMs / 1000) + (this.options.ttlSeconds ?? 7 * 86_400)) },
          },
          ConditionExpression: expectedVersion === undefined ? 'attribute_not_exists(#target)' : '#version = :expected',
          ExpressionAttributeNames: expectedVersion === undefined ? { '#target': 'target' } : { '#version': 'version' },
          ExpressionAttributeValues:
            expectedVersion === undefined ? undefined : { ':expected': { N: String(expectedVersion) } },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new StateConflictError(target);
      throw error;
    }
    return version;
  }
}
