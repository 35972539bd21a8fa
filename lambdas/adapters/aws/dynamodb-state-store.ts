import { gunzipSync, gzipSync } from 'node:zlib';
import {
  BatchGetItemCommand,
  ConditionalCheckFailedException,
  GetItemCommand,
  PutItemCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  type AttributeValue,
  type DynamoDBClient,
  type Put,
} from '@aws-sdk/client-dynamodb';
import pLimit from 'p-limit';
import { asError, describeError } from '#domain/errors';
import {
  StateConflictError,
  StateTooLargeError,
  StateUnavailableError,
  type StateLoad,
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
  /**
   * Saves issued in the same turn of the event loop go out together: one TransactWriteItems of up
   * to 100 conditional puts (a lone save stays a PutItem). @default true
   */
  readonly batchSaves?: boolean;
  /** BatchGetItem calls in flight at once in loadMany. @default 8 */
  readonly concurrentCalls?: number;
  /** Waits between rounds for keys BatchGetItem left unprocessed (throttling). @default 50 ms doubling */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now: () => number;
}

/** BatchGetItem reads at most 100 keys per call. */
const GET_BATCH = 100;
/** TransactWriteItems writes at most 100 items and 4 MB per call. */
const WRITE_BATCH = 100;
const WRITE_BATCH_BYTES = 3_500_000;
/** Rounds for keys BatchGetItem leaves unprocessed before the target sits the tick out. */
const UNPROCESSED_ROUNDS = 5;

interface PendingSave {
  readonly target: string;
  readonly put: Put;
  readonly bytes: number;
  readonly version: number;
  readonly resolve: (version: number) => void;
  readonly reject: (error: Error) => void;
}

/**
 * One item per target: the state as gzipped JSON, a version for optimistic concurrency and a TTL.
 * The state must be JSON-safe (the application converts bigint offsets to strings). Every save is
 * conditional on the version its caller loaded, batched or not: of two overlapping ticks only one
 * can save (and so act) for a target.
 */
export class DynamoDbStateStore<T> implements StateStore<T> {
  private pending: PendingSave[] = [];
  private flushScheduled = false;

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
    return decode<T>(result.Item);
  }

  /** 100 keys per BatchGetItem (strongly consistent), unprocessed keys asked again with backoff. */
  async loadMany(targets: readonly string[]): Promise<readonly StateLoad<T>[]> {
    const found = new Map<string, StateLoad<T>>();
    const unique = [...new Set(targets)];
    const limit = pLimit(this.options.concurrentCalls ?? 8);
    const batches = Array.from({ length: Math.ceil(unique.length / GET_BATCH) }, (_, i) =>
      unique.slice(i * GET_BATCH, (i + 1) * GET_BATCH),
    );
    await Promise.all(batches.map((batch) => limit(() => this.loadBatch(batch, found))));
    return targets.map(
      (target) =>
        found.get(target) ?? {
          kind: 'failed',
          error: new StateUnavailableError(`state of target ${target}: DynamoDB left the key unprocessed`, {
            retriable: true,
          }),
        },
    );
  }

  private async loadBatch(batch: readonly string[], found: Map<string, StateLoad<T>>): Promise<void> {
    const table = this.options.table;
    let keys: Record<string, AttributeValue>[] = batch.map((target) => ({ target: { S: target } }));
    try {
      for (let round = 0; keys.length > 0 && round < UNPROCESSED_ROUNDS; round++) {
        if (round > 0) await (this.options.sleep ?? sleep)(50 * 2 ** (round - 1));
        const result = await this.dynamodb.send(
          new BatchGetItemCommand({ RequestItems: { [table]: { Keys: keys, ConsistentRead: true } } }),
        );
        for (const item of result.Responses?.[table] ?? []) {
          const target = item.target?.S;
          if (target !== undefined) found.set(target, { kind: 'loaded', stored: decode<T>(item) });
        }
        keys = result.UnprocessedKeys?.[table]?.Keys ?? [];
      }
      // Keys that were processed but absent have no state yet.
      const left = new Set(keys.map((key) => key.target?.S));
      for (const target of batch) {
        if (!found.has(target) && !left.has(target)) found.set(target, { kind: 'loaded', stored: undefined });
      }
    } catch (error) {
      for (const target of batch) found.set(target, { kind: 'failed', error: asError(error) });
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
    const put = this.conditionalPut(target, body, version, expectedVersion);
    if (this.options.batchSaves === false) {
      await this.putOne(target, put);
      return version;
    }
    return await new Promise<number>((resolve, reject) => {
      this.pending.push({ target, put, bytes: body.length + target.length + 200, version, resolve, reject });
      if (this.flushScheduled) return;
      this.flushScheduled = true;
      // Every save issued before the event loop turns goes out in the same call(s).
      setImmediate(() => void this.flush());
    });
  }

  private conditionalPut(target: string, body: Buffer, version: number, expectedVersion: number | undefined): Put {
    const nowMs = this.options.now();
    return {
      TableName: this.options.table,
      Item: {
        target: { S: target },
        version: { N: String(version) },
        state: { B: body },
        updatedAt: { S: new Date(nowMs).toISOString() },
        expiresAt: { N: String(Math.floor(nowMs / 1000) + (this.options.ttlSeconds ?? 7 * 86_400)) },
      },
      ...versionCondition(expectedVersion),
    };
  }

  private async putOne(target: string, put: Put): Promise<void> {
    try {
      await this.dynamodb.send(new PutItemCommand(put));
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new StateConflictError(target);
      throw error;
    }
  }

  private async flush(): Promise<void> {
    const saves = this.pending;
    this.pending = [];
    this.flushScheduled = false;
    await Promise.all(writeGroups(saves).map((group) => this.writeGroup(group)));
  }

  /**
   * One group: a PutItem when alone, else one transaction. A transaction is all or nothing, so when
   * DynamoDB cancels it the reasons say which items failed their condition (conflicts: those
   * targets do not act) and the items that did nothing wrong go again without them.
   */
  private async writeGroup(group: readonly PendingSave[]): Promise<void> {
    let left = group;
    while (left.length > 0) {
      const [only] = left;
      if (left.length === 1 && only) {
        await this.putOne(only.target, only.put).then(
          () => only.resolve(only.version),
          (error: unknown) => only.reject(asError(error)),
        );
        return;
      }
      try {
        await this.dynamodb.send(
          new TransactWriteItemsCommand({ TransactItems: left.map(({ put }) => ({ Put: put })) }),
        );
        for (const save of left) save.resolve(save.version);
        return;
      } catch (error) {
        left = settleCancelled(left, error);
      }
    }
  }
}

/**
 * After a failed transaction: rejects the items it names (a failed condition or a concurrent
 * transaction on the same item is a conflict) and returns those to send again. Anything but a
 * cancellation fails every item.
 */
function settleCancelled(saves: readonly PendingSave[], error: unknown): PendingSave[] {
  const reasons = error instanceof TransactionCanceledException ? error.CancellationReasons : undefined;
  if (reasons === undefined || reasons.every((reason) => reason.Code === 'None' || reason.Code === undefined)) {
    for (const save of saves) save.reject(asError(error));
    return [];
  }
  const again: PendingSave[] = [];
  saves.forEach((save, index) => {
    const code = reasons[index]?.Code ?? 'None';
    if (code === 'None') again.push(save);
    else if (code === 'ConditionalCheckFailed' || code === 'TransactionConflict')
      save.reject(new StateConflictError(save.target));
    else
      save.reject(
        new StateUnavailableError(
          `state of target ${save.target} was not saved: ${code} (${reasons[index]?.Message ?? ''})`,
          {
            retriable: code === 'ThrottlingError' || code === 'ProvisionedThroughputExceeded',
          },
        ),
      );
  });
  return again;
}

/** Saves cut into groups of at most 100 items and 3.5 MB, never the same target twice in one group. */
function writeGroups(saves: readonly PendingSave[]): PendingSave[][] {
  const groups: PendingSave[][] = [];
  let current: PendingSave[] = [];
  let bytes = 0;
  const targets = new Set<string>();
  for (const save of saves) {
    const full = current.length === WRITE_BATCH || bytes + save.bytes > WRITE_BATCH_BYTES || targets.has(save.target);
    if (full && current.length > 0) {
      groups.push(current);
      current = [];
      bytes = 0;
      targets.clear();
    }
    current.push(save);
    bytes += save.bytes;
    targets.add(save.target);
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

/**
 * A target's item: its state and version; an item whose state cannot be decoded (no state
 * attribute, bytes that are not gzipped JSON) is `unreadable` with the version to overwrite it at
 * (0 for an item without a version), never an error that would block the target.
 */
function decode<T>(item: Record<string, AttributeValue> | undefined): StoredState<T> | UnreadableState | undefined {
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

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * The condition that makes a save an optimistic-concurrency claim: no item yet (undefined), the
 * version loaded, or (0) an unreadable item without a numeric version, which this save replaces.
 */
function versionCondition(
  expectedVersion: number | undefined,
): Pick<Put, 'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'> {
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
