import type { Admin, Kafka } from 'kafkajs';
import type {
  CommittedOffset,
  GroupReadResult,
  GroupSnapshot,
  IsolationLevel,
  PartitionEnd,
  PartitionSnapshot,
} from '#domain/lag/snapshot';
import { describeError } from '#domain/errors';
import type { Clock } from '#ports/clock';
import { isolationOf, type GroupSelection, type OffsetReader } from '#ports/offset-reader';
import { createKafka, type KafkaConnectionConfig } from './connection';
import { CoordinatorCache } from './coordinators';
import { withDeadline } from '../deadline';
import { explainConnectionFailure, isAuthenticationFailure, KafkaUnavailableError } from './errors';
import { readFromCoordinator, type CommittedByTopic, type CoordinatorRead, type Membership } from './group-membership';
import { anyBroker, createInternalCluster, type InternalCluster } from './internal-cluster';

export interface KafkajsOffsetReaderOptions {
  readonly connection: KafkaConnectionConfig;
  readonly clock: Clock;
  /** Bound on one whole read. @default 30000 */
  readonly readTimeoutMs?: number;
}

/** Requests sent to Kafka so far, by API name (for benchmarks and the tick's call counts). */
export type RequestCounts = Readonly<Record<string, number>>;

interface TopicMeta {
  readonly partitions: readonly { readonly partition: number; readonly leader: number }[];
}

/**
 * Reads committed offsets, log bounds and membership of classic and consumer-protocol (KIP-848)
 * groups, in requests that grow with brokers, not groups: per coordinator one DescribeGroups, one
 * ConsumerGroupDescribe (when some group needs it) and one multi-group OffsetFetch; one batched
 * FindCoordinator for groups whose coordinator is not remembered yet; one Metadata; one ListOffsets
 * per broker for end offsets and one for log starts. Connections, authentication and ListOffsets are
 * kafkajs's; the group requests it lacks are ours (wire/). Never commits anything.
 */
export class KafkajsOffsetReader implements OffsetReader {
  private readonly kafka: Kafka;
  private admin: Admin | undefined;
  private readonly clusters = new Map<IsolationLevel, Promise<InternalCluster>>();
  private coordinators: CoordinatorCache | undefined;
  private readonly requests = new Map<string, number>();
  /** A request failed in a way that can leave its connection half-open: reconnect before the next read. */
  private connectionsSuspect = false;

  constructor(private readonly options: KafkajsOffsetReaderOptions) {
    this.kafka = createKafka(options.connection);
  }

  requestCounts(): RequestCounts {
    return Object.fromEntries(this.requests);
  }

  private count(api: string, requests = 1): void {
    this.requests.set(api, (this.requests.get(api) ?? 0) + requests);
  }

  async listGroups(): Promise<readonly string[]> {
    const admin = await this.connectedAdmin();
    const { groups } = await this.deadline(admin.listGroups(), 'listing consumer groups');
    // Classic consumer groups and offsets-only groups; consumer-protocol (KIP-848) groups are listed
    // with protocol type 'consumer' too. Connect, share and streams groups are not consumer groups.
    return groups
      .filter((group) => group.protocolType === 'consumer' || group.protocolType === '')
      .map((g) => g.groupId);
  }

  /**
   * One read of every selection. After a failed read, or a group whose coordinator did not answer,
   * the connections are dropped and the next read opens new ones: a request cut off or timed out can
   * leave a connection that no longer delivers (half-open behind a proxy or a NAT that forgot it),
   * and kafkajs would keep sending on it, every request timing out, until the process ends.
   */
  async read(selections: readonly GroupSelection[]): Promise<readonly GroupReadResult[]> {
    try {
      const results = await this.deadline(this.readAll(selections), `reading ${selections.length} group(s)`);
      if (this.connectionsSuspect) await this.close();
      return results;
    } catch (error) {
      await this.close();
      // A connection re-established with credentials Kafka no longer accepts (a rotated secret).
      if (isAuthenticationFailure(error)) throw explainConnectionFailure(this.options.connection.brokers, error);
      throw error;
    }
  }

  async close(): Promise<void> {
    const disconnect = async (connecting: Promise<InternalCluster>): Promise<void> => {
      const cluster = await connecting.catch(() => undefined);
      await cluster?.disconnect().catch(() => undefined);
    };
    await Promise.all([...this.clusters.values()].map(disconnect));
    this.clusters.clear();
    this.coordinators = undefined;
    await this.admin?.disconnect().catch(() => undefined);
    this.admin = undefined;
    this.connectionsSuspect = false;
  }

  /** Bounds one step of a read by readTimeoutMs (default 30 s): a hung broker is retriable, never a hang. */
  private async deadline<T>(promise: Promise<T>, what: string): Promise<T> {
    const ms = this.options.readTimeoutMs ?? 30_000;
    return await withDeadline(
      promise,
      ms,
      () => new KafkaUnavailableError(`${what} took longer than ${ms} ms`, { retriable: true }),
    );
  }

  private async connectedAdmin(): Promise<Admin> {
    if (this.admin) return this.admin;
    const admin = this.kafka.admin();
    admin.on(admin.events.REQUEST, (event) => this.count(event.payload.apiName));
    try {
      await this.deadline(admin.connect(), 'connecting to Kafka');
    } catch (error) {
      await admin.disconnect().catch(() => undefined);
      throw explainConnectionFailure(this.options.connection.brokers, error);
    }
    this.admin = admin;
    return admin;
  }

  /** One read: groups from their coordinators, the topics to measure, their offsets, one result per selection. */
  private async readAll(selections: readonly GroupSelection[]): Promise<GroupReadResult[]> {
    const cluster = await this.cluster('read_uncommitted');
    const groups = await this.readGroups(cluster, [...new Set(selections.map((s) => s.group))]);
    const topicsOf = (selection: GroupSelection): string[] =>
      topicsToMeasure(selection, groups.committed.get(selection.group), groups.memberships.get(selection.group));
    const metadata = await this.topicMetadata(cluster, new Set(selections.flatMap(topicsOf)));
    const ends = new Map<IsolationLevel, Map<string, Map<number, bigint>>>();
    for (const isolation of new Set(selections.map(isolationOf)))
      ends.set(isolation, await this.listOffsets(isolation, metadata, false));
    const offsets: ReadOffsets = { metadata, ends, starts: await this.listOffsets('read_uncommitted', metadata, true) };
    const observedAtMs = this.options.clock.now();
    return selections.map((selection): GroupReadResult => {
      const failure = groups.failures.get(selection.group);
      if (failure)
        return { kind: 'error', group: selection.group, message: failure.message, retriable: failure.retriable };
      return groupResult({
        selection,
        membership: groups.memberships.get(selection.group),
        committed: groups.committed.get(selection.group) ?? new Map<string, Map<number, bigint>>(),
        topics: topicsOf(selection),
        offsets,
        observedAtMs,
      });
    });
  }

  /** Every group from its coordinator; groups whose coordinator moved are looked up and read once more. */
  private async readGroups(cluster: InternalCluster, groupIds: readonly string[]): Promise<CoordinatorRead> {
    const read = await this.readRound(cluster, groupIds);
    const moved = [...read.failures].filter(([, failure]) => failure.relocate).map(([groupId]) => groupId);
    if (moved.length === 0) return read;
    this.coordinatorCache(cluster).forget(moved);
    const again = await this.readRound(cluster, moved);
    for (const groupId of moved) read.failures.delete(groupId);
    mergeInto(read, again);
    return read;
  }

  private coordinatorCache(cluster: InternalCluster): CoordinatorCache {
    this.coordinators ??= new CoordinatorCache(cluster);
    return this.coordinators;
  }

  /** Locates the groups' coordinators, then asks each coordinator about its groups, all at once. */
  private async readRound(cluster: InternalCluster, groupIds: readonly string[]): Promise<CoordinatorRead> {
    const read: CoordinatorRead = { memberships: new Map(), committed: new Map(), failures: new Map() };
    const located = await this.coordinatorCache(cluster).locate(groupIds);
    for (const [groupId, failure] of located.failures) read.failures.set(groupId, { ...failure, relocate: false });
    const byNode = new Map<number, string[]>();
    for (const [groupId, nodeId] of located.coordinators) byNode.set(nodeId, [...(byNode.get(nodeId) ?? []), groupId]);
    await Promise.all(
      [...byNode].map(async ([nodeId, ids]) => {
        try {
          mergeInto(read, await readFromCoordinator(await brokerById(cluster, nodeId), ids));
        } catch (error) {
          // Rejected credentials are not these groups' problem: the whole read fails, and says so.
          if (isAuthenticationFailure(error)) throw error;
          const retriable = (error as { retriable?: boolean }).retriable ?? true;
          this.connectionsSuspect = true;
          const message = `reading group(s) from their coordinator (broker ${nodeId}) failed: ${describeError(error)}`;
          for (const groupId of ids) read.failures.set(groupId, { message, retriable, relocate: retriable });
        }
      }),
    );
    return read;
  }

  /** Partitions and leaders of the wanted topics, in one Metadata request; a missing topic is absent. */
  private async topicMetadata(cluster: InternalCluster, wanted: ReadonlySet<string>): Promise<Map<string, TopicMeta>> {
    const result = new Map<string, TopicMeta>();
    if (wanted.size === 0) return result;
    const broker = await anyBroker(cluster);
    const { topicMetadata } = await broker.metadata([]);
    for (const topic of topicMetadata) {
      if (!wanted.has(topic.topic)) continue;
      result.set(topic.topic, {
        partitions: topic.partitionMetadata.map((p) => ({ partition: p.partitionId, leader: p.leader })),
      });
    }
    return result;
  }

  /** End offsets (or log-start offsets) of every partition with a leader, in one request per broker. */
  private async listOffsets(
    isolation: IsolationLevel,
    metadata: ReadonlyMap<string, TopicMeta>,
    fromBeginning: boolean,
  ): Promise<Map<string, Map<number, bigint>>> {
    const request = [...metadata].map(([topic, meta]) => ({
      topic,
      fromBeginning,
      partitions: meta.partitions.filter((p) => p.leader >= 0).map((p) => ({ partition: p.partition })),
    }));
    const result = new Map<string, Map<number, bigint>>();
    if (request.every((t) => t.partitions.length === 0)) return result;
    const cluster = await this.cluster(isolation);
    await cluster.addMultipleTargetTopics(request.map((t) => t.topic));
    const responses = await cluster.fetchTopicsOffset(request.filter((t) => t.partitions.length > 0));
    for (const { topic, partitions } of responses) {
      result.set(topic, new Map(partitions.map((p) => [p.partition, BigInt(p.offset)])));
    }
    return result;
  }

  /** A connected kafkajs cluster per isolation level; a failure to connect says what to check. */
  private async cluster(isolation: IsolationLevel): Promise<InternalCluster> {
    const existing = this.clusters.get(isolation);
    if (existing) return await existing;
    const connecting = (async () => {
      const cluster = createInternalCluster(this.kafka, isolation, (api) => this.count(api));
      try {
        await this.deadline(cluster.connect(), 'connecting to Kafka');
        return cluster;
      } catch (error) {
        await cluster.disconnect().catch(() => undefined);
        throw error instanceof KafkaUnavailableError
          ? error
          : explainConnectionFailure(this.options.connection.brokers, error);
      }
    })();
    this.clusters.set(isolation, connecting);
    connecting.catch(() => this.clusters.delete(isolation));
    return await connecting;
  }
}

/** A broker by node id; a coordinator not in the cached metadata (a new broker) refreshes it once. */
async function brokerById(cluster: InternalCluster, nodeId: number) {
  try {
    return await cluster.findBroker({ nodeId });
  } catch {
    await cluster.refreshMetadata();
    return await cluster.findBroker({ nodeId });
  }
}

function mergeInto(target: CoordinatorRead, source: CoordinatorRead): void {
  for (const [groupId, membership] of source.memberships) target.memberships.set(groupId, membership);
  for (const [groupId, committed] of source.committed) target.committed.set(groupId, committed);
  for (const [groupId, failure] of source.failures) target.failures.set(groupId, failure);
}

function partitionsOf(
  topic: string,
  meta: TopicMeta | undefined,
  committed: ReadonlyMap<number, bigint> | undefined,
  ends: ReadonlyMap<number, bigint> | undefined,
  starts: ReadonlyMap<number, bigint> | undefined,
): PartitionSnapshot[] {
  const commitOf = (partition: number): CommittedOffset => {
    const offset = committed?.get(partition);
    return offset === undefined ? { kind: 'none' } : { kind: 'committed', offset };
  };
  if (!meta) {
    // The group committed on a topic that no longer exists.
    return [...(committed?.keys() ?? [])]
      .sort((a, b) => a - b)
      .map((partition) => ({
        topic,
        partition,
        committed: commitOf(partition),
        end: { kind: 'unavailable', reason: 'topic-deleted', detail: `topic ${topic} does not exist` },
      }));
  }
  return [...meta.partitions]
    .sort((a, b) => a.partition - b.partition)
    .map(({ partition, leader }) => {
      const end = ends?.get(partition);
      const logStart = starts?.get(partition);
      const partitionEnd: PartitionEnd =
        leader < 0
          ? { kind: 'unavailable', reason: 'no-leader', detail: `${topic}-${partition} has no leader` }
          : end === undefined || logStart === undefined
            ? { kind: 'unavailable', reason: 'error', detail: `no offsets returned for ${topic}-${partition}` }
            : { kind: 'available', logStart, end };
      return { topic, partition, committed: commitOf(partition), end: partitionEnd };
    });
}

/** The log offsets one read fetched for every topic it measures. */
interface ReadOffsets {
  readonly metadata: ReadonlyMap<string, TopicMeta>;
  readonly ends: ReadonlyMap<IsolationLevel, Map<string, Map<number, bigint>>>;
  readonly starts: ReadonlyMap<string, Map<number, bigint>>;
}

/** The configured topics, or every topic the group has commits on or is assigned. */
function topicsToMeasure(
  selection: GroupSelection,
  committed: CommittedByTopic | undefined,
  membership: Membership | undefined,
): string[] {
  if (selection.topics && selection.topics.length > 0) return [...selection.topics];
  const members = membership?.kind === 'classic' || membership?.kind === 'consumer' ? membership.members : [];
  const assigned = members.flatMap((m) => [...m.assignment, ...(m.targetAssignment ?? [])].map((a) => a.topic));
  return [...new Set([...(committed?.keys() ?? []), ...assigned])].sort();
}

/** The membership part of a snapshot: state, protocol, members, epochs, or a note on why they are unknown. */
function membershipFacts(
  group: string,
  membership: Membership | undefined,
): Pick<GroupSnapshot, 'state' | 'protocol' | 'members' | 'epochs' | 'note'> {
  switch (membership?.kind) {
    case 'classic':
      return { state: membership.state, protocol: 'classic', members: membership.members };
    case 'consumer':
      return {
        state: membership.state,
        protocol: 'consumer',
        members: membership.members,
        epochs: { group: membership.groupEpoch, assignment: membership.assignmentEpoch },
      };
    case 'absent':
      if (membership.consumerProtocolChecked) return { state: 'Dead', protocol: 'classic', members: [] };
      return {
        state: 'Unknown',
        protocol: 'classic',
        members: [],
        note: `DescribeGroups reports group ${group} as Dead although it has committed offsets, and this broker does not offer ConsumerGroupDescribe (API 69): if it is a consumer-protocol (KIP-848) group its members cannot be read; enable group.coordinator.rebalance.protocols=classic,consumer (Kafka 3.7-3.9) or use Kafka 4.x`,
      };
    case undefined:
      return {
        state: 'Unknown',
        protocol: 'classic',
        members: [],
        note: `no description of group ${group} was returned`,
      };
  }
}

/** One group's result: not found, a vanished topic named as an error, or its snapshot. */
function groupResult(read: {
  readonly selection: GroupSelection;
  readonly membership: Membership | undefined;
  readonly committed: CommittedByTopic;
  readonly topics: readonly string[];
  readonly offsets: ReadOffsets;
  readonly observedAtMs: number;
}): GroupReadResult {
  const { selection, membership, committed, topics, offsets } = read;
  // Not found only when the broker says so: no classic group, no consumer-protocol group, no commits.
  if ((membership === undefined || membership.kind === 'absent') && committed.size === 0) {
    return { kind: 'not-found', group: selection.group };
  }
  // A topic the group should be measured on that neither exists nor has commits left (Kafka
  // drops a deleted topic's offsets) would otherwise read as no partitions, i.e. zero lag.
  const vanished = topics.filter((topic) => !offsets.metadata.has(topic) && !committed.has(topic));
  if (vanished.length > 0) {
    return {
      kind: 'error',
      group: selection.group,
      message: `topic ${vanished.join(', ')} does not exist (deleted, or misspelled in the target's topics); its lag cannot be measured`,
      retriable: false,
    };
  }
  const isolation = isolationOf(selection);
  const partitions = topics.flatMap((topic) =>
    partitionsOf(
      topic,
      offsets.metadata.get(topic),
      committed.get(topic),
      offsets.ends.get(isolation)?.get(topic),
      offsets.starts.get(topic),
    ),
  );
  const snapshot: GroupSnapshot = {
    group: selection.group,
    observedAtMs: read.observedAtMs,
    ...membershipFacts(selection.group, membership),
    isolation,
    partitions,
  };
  return { kind: 'ok', snapshot };
}
