/**
 * The four requests the reader sends itself, with their response decoders. Field order follows
 * Kafka's message specs (clients/src/main/resources/common/message/*.json) at the versions named;
 * the unit tests decode bytes written by Kafka's own generated classes, and the oracle tests read
 * real brokers (4.x and 3.9).
 */
import { WireReader, WireWriter } from './codec';

/** An API key and the version of it we send. */
export interface ApiVersionChoice {
  readonly apiKey: number;
  readonly apiName: string;
  readonly version: number;
}

export const FIND_COORDINATOR = { apiKey: 10, apiName: 'FindCoordinator', version: 4 } as const;
export const OFFSET_FETCH = { apiKey: 9, apiName: 'OffsetFetch', version: 8 } as const;
export const DESCRIBE_GROUPS = { apiKey: 15, apiName: 'DescribeGroups', version: 5 } as const;
export const CONSUMER_GROUP_DESCRIBE = { apiKey: 69, apiName: 'ConsumerGroupDescribe', version: 0 } as const;

/** Kafka error codes the reader tells apart (the rest are named by number). */
export const errorCodes = {
  NONE: 0,
  COORDINATOR_LOAD_IN_PROGRESS: 14,
  COORDINATOR_NOT_AVAILABLE: 15,
  NOT_COORDINATOR: 16,
  GROUP_AUTHORIZATION_FAILED: 30,
  UNSUPPORTED_VERSION: 35,
  INVALID_REQUEST: 42,
  GROUP_ID_NOT_FOUND: 69,
} as const;

const errorNames: Readonly<Record<number, string>> = Object.fromEntries(
  Object.entries(errorCodes).map(([name, code]) => [code, name]),
);

/** `NOT_COORDINATOR (16)`, or the bare number for codes we do not name. */
export function errorName(code: number): string {
  return `${errorNames[code] ?? 'error'} (${code})`;
}

/** Errors that pass: the coordinator moves or loads; asking again (after finding it again) helps. */
export function isRetriableCode(code: number): boolean {
  return (
    code === errorCodes.COORDINATOR_LOAD_IN_PROGRESS ||
    code === errorCodes.COORDINATOR_NOT_AVAILABLE ||
    code === errorCodes.NOT_COORDINATOR
  );
}

// ---- FindCoordinator v4 (KIP-699): many keys in one request -------------------------------------

export interface CoordinatorAnswer {
  readonly key: string;
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
  readonly errorCode: number;
  readonly errorMessage: string | null;
}

export function encodeFindCoordinators(groupIds: readonly string[]): Buffer {
  return new WireWriter()
    .int8(0) // key type: group
    .compactArray(groupIds, (w, id) => w.compactString(id))
    .tags()
    .toBuffer();
}

export function decodeFindCoordinators(body: Buffer): CoordinatorAnswer[] {
  const r = new WireReader(body, 'FindCoordinator v4');
  r.int32(); // throttle time
  const coordinators = r.compactArray((c) => {
    const answer: CoordinatorAnswer = {
      key: c.compactString(),
      nodeId: c.int32(),
      host: c.compactString(),
      port: c.int32(),
      errorCode: c.int16(),
      errorMessage: c.compactNullableString(),
    };
    c.tags();
    return answer;
  });
  r.tags();
  return coordinators;
}

// ---- OffsetFetch v8 (KIP-709): many groups in one request ---------------------------------------

export interface CommittedPartition {
  readonly partition: number;
  /** -1 when the group has no commit on the partition. */
  readonly offset: bigint;
  readonly errorCode: number;
}

export interface GroupOffsets {
  readonly groupId: string;
  readonly topics: readonly { readonly topic: string; readonly partitions: readonly CommittedPartition[] }[];
  readonly errorCode: number;
}

/** Every committed offset of each group (topics null = all). */
export function encodeOffsetFetch(groupIds: readonly string[]): Buffer {
  return new WireWriter()
    .compactArray(groupIds, (w, id) =>
      w
        .compactString(id)
        .compactNullableArray(null, () => undefined)
        .tags(),
    )
    .boolean(false) // require_stable: a monitor reads what is committed, pending transactions or not
    .tags()
    .toBuffer();
}

export function decodeOffsetFetch(body: Buffer): GroupOffsets[] {
  const r = new WireReader(body, 'OffsetFetch v8');
  r.int32(); // throttle time
  const groups = r.compactArray((g) => {
    const groupId = g.compactString();
    const topics = g.compactArray((t) => {
      const topic = t.compactString();
      const partitions = t.compactArray((p) => {
        const partition = p.int32();
        const offset = p.int64();
        p.int32(); // committed leader epoch
        p.compactNullableString(); // metadata
        const errorCode = p.int16();
        p.tags();
        return { partition, offset, errorCode };
      });
      t.tags();
      return { topic, partitions };
    });
    const errorCode = g.int16();
    g.tags();
    return { groupId, topics, errorCode };
  });
  r.tags();
  return groups;
}

// ---- DescribeGroups v5 (classic groups) ---------------------------------------------------------

export interface TopicAssignment {
  readonly topic: string;
  readonly partitions: readonly number[];
}

export interface ClassicGroupDescription {
  readonly groupId: string;
  readonly errorCode: number;
  readonly state: string;
  readonly protocolType: string;
  /** The assignor (range, cooperative-sticky, ...). */
  readonly protocol: string;
  readonly members: readonly {
    readonly memberId: string;
    readonly clientId: string;
    readonly host: string;
    readonly assignment: readonly TopicAssignment[];
  }[];
}

export function encodeDescribeGroups(groupIds: readonly string[]): Buffer {
  return new WireWriter()
    .compactArray(groupIds, (w, id) => w.compactString(id))
    .boolean(false) // include authorized operations
    .tags()
    .toBuffer();
}

export function decodeDescribeGroups(body: Buffer): ClassicGroupDescription[] {
  const r = new WireReader(body, 'DescribeGroups v5');
  r.int32(); // throttle time
  const groups = r.compactArray((g) => {
    const errorCode = g.int16();
    const groupId = g.compactString();
    const state = g.compactString();
    const protocolType = g.compactString();
    const protocol = g.compactString();
    const members = g.compactArray((m) => {
      const memberId = m.compactString();
      m.compactNullableString(); // group instance id
      const clientId = m.compactString();
      const host = m.compactString();
      m.compactNullableBytes(); // member metadata (subscription)
      const assignmentBytes = m.compactNullableBytes();
      m.tags();
      const assignment = protocolType === 'consumer' ? decodeConsumerAssignment(assignmentBytes) : [];
      return { memberId, clientId, host, assignment };
    });
    g.int32(); // authorized operations
    g.tags();
    return { groupId, errorCode, state, protocolType, protocol, members };
  });
  r.tags();
  return groups;
}

/**
 * A classic consumer's assignment (ConsumerProtocolAssignment, versions 0-3 share this layout):
 * int16 version, [topic string, [int32 partition]], user data bytes. Empty while rebalancing.
 */
export function decodeConsumerAssignment(bytes: Buffer | null): TopicAssignment[] {
  if (bytes === null || bytes.length === 0) return [];
  const r = new WireReader(bytes, 'consumer assignment');
  r.int16(); // version
  return r.classicArray((t) => ({
    topic: t.classicNullableString() ?? '',
    partitions: t.classicArray((p) => p.int32()),
  }));
}

// ---- ConsumerGroupDescribe v0 (KIP-848 groups) --------------------------------------------------

export interface ConsumerGroupMemberDescription {
  readonly memberId: string;
  readonly instanceId: string | null;
  readonly memberEpoch: number;
  readonly clientId: string;
  readonly host: string;
  readonly subscribedTopics: readonly string[];
  readonly assignment: readonly TopicAssignment[];
  readonly targetAssignment: readonly TopicAssignment[];
}

export interface ConsumerGroupDescription {
  readonly groupId: string;
  readonly errorCode: number;
  readonly errorMessage: string | null;
  readonly state: string;
  readonly groupEpoch: number;
  readonly assignmentEpoch: number;
  readonly assignor: string;
  readonly members: readonly ConsumerGroupMemberDescription[];
}

export function encodeConsumerGroupDescribe(groupIds: readonly string[]): Buffer {
  return encodeDescribeGroups(groupIds); // same shape: group ids, include authorized operations
}

function readAssignment(r: WireReader): TopicAssignment[] {
  const topics = r.compactArray((t) => {
    t.uuid(); // topic id
    const topic = t.compactString();
    const partitions = t.compactArray((p) => p.int32());
    t.tags();
    return { topic, partitions };
  });
  r.tags();
  return topics;
}

function readConsumerMember(m: WireReader): ConsumerGroupMemberDescription {
  const memberId = m.compactString();
  const instanceId = m.compactNullableString();
  m.compactNullableString(); // rack id
  const memberEpoch = m.int32();
  const clientId = m.compactString();
  const host = m.compactString();
  const subscribedTopics = m.compactArray((s) => s.compactString());
  m.compactNullableString(); // subscribed topic regex
  const assignment = readAssignment(m);
  const targetAssignment = readAssignment(m);
  m.tags();
  return { memberId, instanceId, memberEpoch, clientId, host, subscribedTopics, assignment, targetAssignment };
}

export function decodeConsumerGroupDescribe(body: Buffer): ConsumerGroupDescription[] {
  const r = new WireReader(body, 'ConsumerGroupDescribe v0');
  r.int32(); // throttle time
  const groups = r.compactArray((g) => {
    const errorCode = g.int16();
    const errorMessage = g.compactNullableString();
    const groupId = g.compactString();
    const state = g.compactString();
    const groupEpoch = g.int32();
    const assignmentEpoch = g.int32();
    const assignor = g.compactString();
    const members = g.compactArray(readConsumerMember);
    g.int32(); // authorized operations
    g.tags();
    return { groupId, errorCode, errorMessage, state, groupEpoch, assignmentEpoch, assignor, members };
  });
  r.tags();
  return groups;
}
