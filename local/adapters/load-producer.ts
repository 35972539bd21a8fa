/**
 * The demo's load: creates the topic and produces records at a rate that changes over time (the
 * load profile). Kafka I/O stays in the adapter layer; the profile itself is plain data.
 */
import type { Admin, Producer } from 'kafkajs';
import { createKafka, type KafkaConnectionConfig } from '#adapters/kafka/connection';
import { explainConnectionFailure } from '#adapters/kafka/errors';
import { asError, describeError } from '#domain/errors';

/** Creates the topic with `partitions`, or adds partitions to an existing smaller one. Returns the count. */
export async function ensureTopic(
  connection: KafkaConnectionConfig,
  topic: string,
  partitions: number,
): Promise<number> {
  const admin: Admin = createKafka({ ...connection, clientId: 'lagscaler-local-admin' }).admin();
  try {
    await admin.connect();
  } catch (error) {
    throw explainConnectionFailure(connection.brokers, error);
  }
  try {
    const existing = await admin.fetchTopicMetadata({ topics: [] });
    const found = existing.topics.find((t) => t.name === topic);
    if (!found) {
      await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
      await untilOffsetsServed(admin, topic);
      return partitions;
    }
    if (found.partitions.length < partitions) {
      await admin.createPartitions({ topicPartitions: [{ topic, count: partitions }] });
      await untilOffsetsServed(admin, topic);
      return partitions;
    }
    return found.partitions.length;
  } finally {
    await admin.disconnect();
  }
}

/**
 * Right after createTopics returns (leaders elected), a new partition's leader can still refuse
 * offset requests with a retriable NOT_LEADER_OR_FOLLOWER (Kafka 3.9 KRaft, for a few hundred ms):
 * waits until every partition answers, so the next step (moving groups to the end) can rely on it.
 */
async function untilOffsetsServed(admin: Admin, topic: string, timeoutMs = 30_000): Promise<void> {
  const deadlineMs = Date.now() + timeoutMs;
  for (;;) {
    try {
      await admin.fetchTopicOffsets(topic);
      return;
    } catch (error) {
      if ((error as { retriable?: unknown }).retriable !== true || Date.now() > deadlineMs) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

export interface LoadProducerOptions {
  readonly connection: KafkaConnectionConfig;
  readonly topic: string;
  /** Records per second the profile asks for, this many ms after the start. */
  readonly rateAt: (elapsedMs: number) => number;
  /** How often a batch is sent. @default 100 */
  readonly tickMs?: number;
  readonly now?: () => number;
  readonly onError?: (error: Error) => void;
}

/**
 * Sends, every tick, the records the profile owes since the start (the integral of its rate), so the
 * produced count follows the profile even when a send is slow. Keys spread records over partitions.
 */
export class LoadProducer {
  private readonly producer: Producer;
  private readonly now: () => number;
  private startedAtMs = 0;
  private sent = 0;
  private owed = 0;
  private lastMs = 0;
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> = Promise.resolve();

  constructor(private readonly options: LoadProducerOptions) {
    this.now = options.now ?? Date.now;
    this.producer = createKafka({ ...options.connection, clientId: 'lagscaler-local-load' }).producer();
  }

  async start(): Promise<void> {
    try {
      await this.producer.connect();
    } catch (error) {
      throw explainConnectionFailure(this.options.connection.brokers, error);
    }
    this.startedAtMs = this.now();
    this.lastMs = this.startedAtMs;
    this.timer = setInterval(() => {
      // One send at a time: a slow broker delays records, it does not pile up requests.
      this.sending = this.sending.then(() => this.sendOwed());
    }, this.options.tickMs ?? 100);
  }

  /** Records acknowledged by the broker so far. */
  produced(): number {
    return this.sent;
  }

  /** The rate the profile asks for now. */
  currentRate(): number {
    return this.options.rateAt(this.now() - this.startedAtMs);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.sending;
    await this.producer.disconnect();
  }

  private async sendOwed(): Promise<void> {
    const now = this.now();
    // Integrate the rate piecewise over the elapsed interval (the profile is piecewise constant).
    this.owed += (this.options.rateAt(this.lastMs - this.startedAtMs) * (now - this.lastMs)) / 1000;
    this.lastMs = now;
    const count = Math.floor(this.owed);
    if (count <= 0) return;
    this.owed -= count;
    const base = this.sent;
    try {
      await this.producer.send({
        topic: this.options.topic,
        acks: 1,
        messages: Array.from({ length: count }, (_, i) => ({
          key: `checkout-${base + i}`,
          value: JSON.stringify({ checkout: `checkout-${base + i}`, producedAtMs: now }),
        })),
      });
      this.sent += count;
    } catch (error) {
      this.options.onError?.(asError(error));
    }
  }
}

/**
 * Moves each group's committed offsets to the end of the topic, so a run starts without the
 * backlog earlier runs left (the consumer reads a new group from the beginning). Only possible for
 * a group without members; returns the groups that could not be moved, with why.
 */
export async function startGroupsAtEnd(
  connection: KafkaConnectionConfig,
  topic: string,
  groups: readonly string[],
): Promise<readonly { readonly group: string; readonly problem: string }[]> {
  const admin: Admin = createKafka({ ...connection, clientId: 'lagscaler-local-admin' }).admin();
  try {
    await admin.connect();
  } catch (error) {
    throw explainConnectionFailure(connection.brokers, error);
  }
  try {
    // Explicit offsets: kafkajs's resetOffsets commits its "latest" marker (-1) literally, which
    // both the consumer and the lag engine then read as "no commit" (from the beginning).
    const ends = await admin.fetchTopicOffsets(topic);
    const partitions = ends.map(({ partition, high }) => ({ partition, offset: high }));
    const outcomes = await Promise.all(
      groups.map(async (group) => {
        try {
          await admin.setOffsets({ groupId: group, topic, partitions });
          return undefined;
        } catch (error) {
          return { group, problem: describeError(error) };
        }
      }),
    );
    return outcomes.filter((o): o is { group: string; problem: string } => o !== undefined);
  } finally {
    await admin.disconnect();
  }
}
