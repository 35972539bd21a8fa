/**
 * Reads what one coordinator knows about its groups, in O(1) requests however many groups it holds:
 * one DescribeGroups (classic groups), one multi-group OffsetFetch (v8, KIP-709), and one
 * ConsumerGroupDescribe (API 69, KIP-848) for the groups DescribeGroups cannot describe. Below
 * DescribeGroups v6 the broker answers a consumer-protocol group as `Dead` with no error, exactly as
 * it answers a group that does not exist; ConsumerGroupDescribe tells the two apart. Each group's
 * error code fails that group alone.
 */
import { describeError } from '#domain/errors';
import type { GroupMember, GroupState, TopicPartitions } from '#domain/lag/snapshot';
import type { GroupFailure } from './coordinators';
import type { InternalBroker } from './internal-cluster';
import {
  CONSUMER_GROUP_DESCRIBE,
  type ConsumerGroupDescription,
  decodeConsumerGroupDescribe,
  decodeDescribeGroups,
  decodeOffsetFetch,
  DESCRIBE_GROUPS,
  encodeConsumerGroupDescribe,
  encodeDescribeGroups,
  encodeOffsetFetch,
  errorCodes,
  errorName,
  isRetriableCode,
  OFFSET_FETCH,
  type TopicAssignment,
} from './wire/messages';
import { sendFlexible, supportedRange, supports } from './wire/transport';

/** What the coordinator says about a group's membership. */
export type Membership =
  | { readonly kind: 'classic'; readonly state: GroupState; readonly members: readonly GroupMember[] }
  | {
      readonly kind: 'consumer';
      readonly state: GroupState;
      readonly groupEpoch: number;
      readonly assignmentEpoch: number;
      readonly members: readonly GroupMember[];
    }
  /**
   * The broker knows no such group. `consumerProtocolChecked` is false when the broker could not be
   * asked with ConsumerGroupDescribe (it does not offer API 69), so a consumer-protocol group with
   * commits cannot be told apart from a vanished one.
   */
  | { readonly kind: 'absent'; readonly consumerProtocolChecked: boolean };

export type CommittedByTopic = Map<string, Map<number, bigint>>;

/** One group's failure, and whether its coordinator should be looked up again. */
export interface CoordinatorFailure extends GroupFailure {
  readonly relocate: boolean;
}

export interface CoordinatorRead {
  readonly memberships: Map<string, Membership>;
  readonly committed: Map<string, CommittedByTopic>;
  readonly failures: Map<string, CoordinatorFailure>;
}

const classicStates: readonly GroupState[] = ['Stable', 'PreparingRebalance', 'CompletingRebalance', 'Empty', 'Dead'];
const consumerStates: readonly GroupState[] = ['Stable', 'Assigning', 'Reconciling', 'Empty', 'Dead', 'NotReady'];

const stateOf = (known: readonly GroupState[], state: string): GroupState =>
  known.find((s) => s === state) ?? 'Unknown';

const sortedAssignment = (topics: readonly TopicAssignment[]): TopicPartitions[] =>
  topics
    .map(({ topic, partitions }) => ({ topic, partitions: [...partitions].sort((a, b) => a - b) }))
    .sort((a, b) => a.topic.localeCompare(b.topic));

/** A group's error code as a failure naming the API, the code and what happens next. */
function failureOf(api: string, groupId: string, code: number, message: string | null): CoordinatorFailure {
  const retriable = isRetriableCode(code);
  const hint =
    code === errorCodes.GROUP_AUTHORIZATION_FAILED
      ? '; grant the scaler DESCRIBE on the group (ACL or IAM kafka-cluster:DescribeGroup)'
      : retriable
        ? '; the coordinator moved or is loading, the next read looks it up again'
        : '';
  return {
    message: `${api} for group ${groupId} failed: ${errorName(code)}${message ? ` (${message})` : ''}${hint}`,
    retriable,
    relocate: code === errorCodes.NOT_COORDINATOR || code === errorCodes.COORDINATOR_NOT_AVAILABLE,
  };
}

/** Everything one coordinator knows about `groupIds`. Throws only when the broker cannot be asked at all. */
export async function readFromCoordinator(
  broker: InternalBroker,
  groupIds: readonly string[],
): Promise<CoordinatorRead> {
  const read: CoordinatorRead = { memberships: new Map(), committed: new Map(), failures: new Map() };
  const [dead] = await Promise.all([describeClassic(broker, groupIds, read), fetchCommitted(broker, groupIds, read)]);
  if (dead.length === 0) return read;
  if (!supports(broker, CONSUMER_GROUP_DESCRIBE)) {
    for (const groupId of dead) read.memberships.set(groupId, { kind: 'absent', consumerProtocolChecked: false });
    return read;
  }
  const described = await sendFlexible(
    broker,
    CONSUMER_GROUP_DESCRIBE,
    encodeConsumerGroupDescribe(dead),
    decodeConsumerGroupDescribe,
  );
  for (const group of described) recordConsumerGroup(group, read);
  return read;
}

/** DescribeGroups v5 for every group; returns the groups it calls Dead (consumer-protocol, or none). */
async function describeClassic(
  broker: InternalBroker,
  groupIds: readonly string[],
  read: CoordinatorRead,
): Promise<string[]> {
  if (!supports(broker, DESCRIBE_GROUPS)) {
    throw new Error(
      `the broker does not offer DescribeGroups v5 (it offers ${supportedRange(broker, DESCRIBE_GROUPS.apiKey)}); Kafka 2.4 or newer is needed`,
    );
  }
  const groups = await sendFlexible(broker, DESCRIBE_GROUPS, encodeDescribeGroups(groupIds), decodeDescribeGroups);
  const dead: string[] = [];
  for (const group of groups) {
    if (group.errorCode !== 0) {
      read.failures.set(group.groupId, failureOf('DescribeGroups', group.groupId, group.errorCode, null));
    } else if (group.state === 'Dead') {
      dead.push(group.groupId);
    } else if (group.protocolType === 'consumer' || group.protocolType === '') {
      const members = group.members.map((m): GroupMember => ({
        memberId: m.memberId,
        clientId: m.clientId,
        host: m.host,
        assignment: sortedAssignment(m.assignment),
      }));
      read.memberships.set(group.groupId, { kind: 'classic', state: stateOf(classicStates, group.state), members });
    } else {
      read.failures.set(group.groupId, {
        message: `group ${group.groupId} has protocol type '${group.protocolType}', not 'consumer': it is not a consumer group (Kafka Connect workers use 'connect'), so it has no consumer lag to read; remove it from the targets`,
        retriable: false,
        relocate: false,
      });
    }
  }
  return dead;
}

function recordConsumerGroup(group: ConsumerGroupDescription, read: CoordinatorRead): void {
  const { groupId, errorCode, errorMessage } = group;
  if (errorCode === errorCodes.GROUP_ID_NOT_FOUND && /not a consumer group/i.test(errorMessage ?? '')) {
    read.failures.set(groupId, {
      message: `group ${groupId} is neither a classic nor a consumer-protocol group (the broker says: ${errorMessage ?? ''}); it may be a share or streams group, whose lag this scaler does not read`,
      retriable: false,
      relocate: false,
    });
  } else if (errorCode === errorCodes.GROUP_ID_NOT_FOUND) {
    read.memberships.set(groupId, { kind: 'absent', consumerProtocolChecked: true });
  } else if (errorCode === errorCodes.UNSUPPORTED_VERSION || errorCode === errorCodes.INVALID_REQUEST) {
    read.failures.set(groupId, {
      ...failureOf('ConsumerGroupDescribe', groupId, errorCode, errorMessage),
      message: `${failureOf('ConsumerGroupDescribe', groupId, errorCode, errorMessage).message}; DescribeGroups reports it Dead, so it is not a classic group: if it is a consumer-protocol (KIP-848) group, the broker has the protocol disabled (set group.coordinator.rebalance.protocols=classic,consumer, or use Kafka 4.x)`,
    });
  } else if (errorCode !== 0) {
    read.failures.set(groupId, failureOf('ConsumerGroupDescribe', groupId, errorCode, errorMessage));
  } else {
    const members = group.members.map((m): GroupMember => ({
      memberId: m.memberId,
      clientId: m.clientId,
      host: m.host,
      assignment: sortedAssignment(m.assignment),
      memberEpoch: m.memberEpoch,
      targetAssignment: sortedAssignment(m.targetAssignment),
    }));
    read.memberships.set(groupId, {
      kind: 'consumer',
      state: stateOf(consumerStates, group.state),
      groupEpoch: group.groupEpoch,
      assignmentEpoch: group.assignmentEpoch,
      members,
    });
  }
}

/** Committed offsets of every group: one OffsetFetch v8, or one kafkajs OffsetFetch per group on old brokers. */
async function fetchCommitted(
  broker: InternalBroker,
  groupIds: readonly string[],
  read: CoordinatorRead,
): Promise<void> {
  if (!supports(broker, OFFSET_FETCH)) {
    await Promise.all(groupIds.map((groupId) => fetchCommittedOne(broker, groupId, read)));
    return;
  }
  const groups = await sendFlexible(broker, OFFSET_FETCH, encodeOffsetFetch(groupIds), decodeOffsetFetch);
  for (const group of groups) {
    if (group.errorCode !== 0) {
      read.failures.set(group.groupId, failureOf('OffsetFetch', group.groupId, group.errorCode, null));
      continue;
    }
    read.committed.set(
      group.groupId,
      committedOffsets(
        group.topics.map(({ topic, partitions }) => ({
          topic,
          partitions: partitions
            .filter((p) => p.errorCode === 0)
            .map((p) => ({ partition: p.partition, offset: p.offset })),
        })),
      ),
    );
  }
}

async function fetchCommittedOne(broker: InternalBroker, groupId: string, read: CoordinatorRead): Promise<void> {
  try {
    const { responses } = await broker.offsetFetch({ groupId, topics: [] });
    read.committed.set(
      groupId,
      committedOffsets(
        responses.map(({ topic, partitions }) => ({
          topic,
          partitions: partitions.map((p) => ({ partition: p.partition, offset: BigInt(p.offset) })),
        })),
      ),
    );
  } catch (error) {
    const retriable = (error as { retriable?: boolean }).retriable ?? true;
    read.failures.set(groupId, {
      message: `OffsetFetch for group ${groupId} failed: ${describeError(error)}`,
      retriable,
      relocate: retriable,
    });
  }
}

/** Offsets by topic and partition; `-1` (no commit) is left out, and so is a topic with none. */
function committedOffsets(
  topics: readonly { topic: string; partitions: readonly { partition: number; offset: bigint }[] }[],
): CommittedByTopic {
  const committed: CommittedByTopic = new Map();
  for (const { topic, partitions } of topics) {
    const byPartition = new Map<number, bigint>();
    for (const { partition, offset } of partitions) if (offset >= 0n) byPartition.set(partition, offset);
    if (byPartition.size > 0) committed.set(topic, byPartition);
  }
  return committed;
}
