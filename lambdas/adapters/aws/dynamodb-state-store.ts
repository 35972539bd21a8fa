import { gunzipSync, gzipSync } from 'node:zlib';
import {
  ConditionalCheckFailedException,
  GetItemCommand,
  PutItemCommand,
  type DynamoDBClient,
  type PutItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import { describeError } from '#domain/errors';
import {
  StateConflictError,
  StateTooLargeError,
  type StateStore,
  type StoredState,
  type UnreadableState,
} from '#ports/state-store';

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

  /**
   * The target's item: its state and version; an item whose state cannot be decoded (no state
   * attribute, bytes that are not gzipped JSON) is `unreadable` with the version to overwrite it at
   * (0 for an item without a version), never an error that would block the target.
   */
  async load(target: string): Promise<StoredState<T> | UnreadableState | undefined> {
    const result = await this.dynamodb.send(
      new GetItemCommand({ TableName: this.options.table, Key: { target: { S: target } }, ConsistentRead: true }),
    );
    const item = result.Item;
    if (item === undefined) return undefined;
    const version = item.version?.N === undefined ? undefined : Number(item.version.N);
    if (version === undefined || !Number.isFinite(version))
      return { version: 0, unreadable: 'the item has no numeric version attribute' };
    if (item.state?.B === undefined) return { version, unreadable: 'the item has no binary state attribute' };
    try {
      return { version, state: JSON.parse(gunzipSync(item.state.B).toString('utf8')) as T };
    } catch (error) {
      return { version, unreadable: `the state is not gzipped JSON (${describeError(error)})` };
    }
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
          ...versionCondition(expectedVersion),
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new StateConflictError(target);
      throw error;
    }
    return version;
  }
}

/**
 * The condition that makes a save an optimistic-concurrency claim: no item yet (undefined), the
 * version loaded, or (0) an unreadable item without a numeric version, which this save replaces.
 */
function versionCondition(
  expectedVersion: number | undefined,
): Pick<PutItemCommandInput, 'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'> {
  if (expectedVersion === undefined) {
    return { ConditionExpression: 'attribute_not_exists(#target)', ExpressionAttributeNames: { '#target': 'target' } };
  }
  if (expectedVersion === 0) {
    return {
      // Absent, or not a number (attribute_type is false for an absent attribute).
      ConditionExpression: 'attribute_exists(#target) AND NOT attribute_type(#version, :number)',
      ExpressionAttributeNames: { '#target': 'target', '#version': 'version' },
      ExpressionAttributeValues: { ':number': { S: 'N' } },
    };
  }
  return {
    ConditionExpression: '#version = :expected',
    ExpressionAttributeNames: { '#version': 'version' },
    ExpressionAttributeValues: { ':expected': { N: String(expectedVersion) } },
  };
}
