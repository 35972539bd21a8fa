/**
 * The codecs against bytes written by Kafka's own generated message classes (kafka-clients 4.1.1,
 * `MessageUtil.toByteBufferAccessor(data, version)`): our requests must equal theirs byte for byte,
 * and our decoders must read theirs back.
 */
import { describe, expect, it } from 'vitest';
import {
  decodeConsumerAssignment,
  decodeConsumerGroupDescribe,
  decodeDescribeGroups,
  decodeFindCoordinators,
  decodeOffsetFetch,
  encodeConsumerGroupDescribe,
  encodeDescribeGroups,
  encodeFindCoordinators,
  encodeOffsetFetch,
  errorName,
  isRetriableCode,
} from '#adapters/kafka/wire/messages';

const hex = (h: string): Buffer => Buffer.from(h, 'hex');

/** Bodies written by Kafka 4.1.1's generated classes (see the file comment). */
const kafka = {
  consumerGroupDescribeResponseV0: [
    '00000000030000000862696c6c696e670c5265636f6e63696c696e67000000070000000708756e69666f726d02046d2d',
    '310004617a31000000060a62696c6c696e672d300a2f31302e302e302e310209636865636b6f75740002000000000000',
    '0000000000000000000109636865636b6f75740300000000000000010000020000000000000000000000000000000109',
    '636865636b6f75740200000000000000800000000000452347726f7570206f6c64206973206e6f74206120636f6e7375',
    '6d65722067726f75702e046f6c640100000000000000000101800000000000',
  ].join(''),
  describeGroupsResponseV5: [
    '0000000003000009706861726d61637907537461626c6509636f6e73756d65720672616e67650204702d31000b706861',
    '726d6163792d300a2f31302e302e302e3201210001000000010008636865636b6f7574000000020000000300000001ff',
    'ffffff0080000000000000076b69703834380544656164010101800000000000',
  ].join(''),
  offsetFetchResponseV8: [
    '00000000030862696c6c696e670209636865636b6f75740300000000000000000000002affffffff0100000000000001',
    'ffffffffffffffffffffffff0000000000000000076d6f76696e670100100000',
  ].join(''),
  findCoordinatorResponseV4: [
    '00000000030862696c6c696e670000000204622d320000238400000100086c6f6164696e67ffffffff01ffffffff000f',
    '0e6e6f7420617661696c61626c650000',
  ].join(''),
  findCoordinatorRequestV4: '00030862696c6c696e6709706861726d61637900',
  offsetFetchRequestV8: '030862696c6c696e67000009706861726d61637900000000',
  describeGroupsRequestV5: '030862696c6c696e6709706861726d6163790000',
  consumerGroupDescribeRequestV0: '030862696c6c696e6709706861726d6163790000',
};

describe('request encoders: byte for byte what Kafka’s own classes write', () => {
  it.each([
    ['FindCoordinator v4', encodeFindCoordinators, kafka.findCoordinatorRequestV4],
    ['OffsetFetch v8 (all topics, require_stable false)', encodeOffsetFetch, kafka.offsetFetchRequestV8],
    ['DescribeGroups v5', encodeDescribeGroups, kafka.describeGroupsRequestV5],
    ['ConsumerGroupDescribe v0', encodeConsumerGroupDescribe, kafka.consumerGroupDescribeRequestV0],
  ] as const)('%s', (_name, encode, expected) => {
    expect(encode(['billing', 'pharmacy']).toString('hex')).toBe(expected);
  });
});

describe('response decoders: read what Kafka’s own classes write', () => {
  it('ConsumerGroupDescribe v0: state, epochs, members with current and target assignment; a per-group error', () => {
    const [reconciling, old] = decodeConsumerGroupDescribe(hex(kafka.consumerGroupDescribeResponseV0));
    expect(reconciling).toEqual({
      groupId: 'billing',
      errorCode: 0,
      errorMessage: null,
      state: 'Reconciling',
      groupEpoch: 7,
      assignmentEpoch: 7,
      assignor: 'uniform',
      members: [
        {
          memberId: 'm-1',
          instanceId: null,
          memberEpoch: 6,
          clientId: 'billing-0',
          host: '/10.0.0.1',
          subscribedTopics: ['checkout'],
          assignment: [{ topic: 'checkout', partitions: [0, 1] }],
          targetAssignment: [{ topic: 'checkout', partitions: [0] }],
        },
      ],
    });
    expect(old).toMatchObject({ groupId: 'old', errorCode: 69, errorMessage: 'Group old is not a consumer group.' });
  });

  it('DescribeGroups v5: a classic member’s assignment decoded; a consumer-protocol group reads Dead', () => {
    const [pharmacy, kip848] = decodeDescribeGroups(hex(kafka.describeGroupsResponseV5));
    expect(pharmacy).toEqual({
      groupId: 'pharmacy',
      errorCode: 0,
      state: 'Stable',
      protocolType: 'consumer',
      protocol: 'range',
      members: [
        {
          memberId: 'p-1',
          clientId: 'pharmacy-0',
          host: '/10.0.0.2',
          assignment: [{ topic: 'checkout', partitions: [3, 1] }],
        },
      ],
    });
    expect(kip848).toMatchObject({ groupId: 'kip848', state: 'Dead', members: [] });
  });

  it('OffsetFetch v8: offsets per group (-1 = no commit) and a group-level error', () => {
    expect(decodeOffsetFetch(hex(kafka.offsetFetchResponseV8))).toEqual([
      {
        groupId: 'billing',
        errorCode: 0,
        topics: [
          {
            topic: 'checkout',
            partitions: [
              { partition: 0, offset: 42n, errorCode: 0 },
              { partition: 1, offset: -1n, errorCode: 0 },
            ],
          },
        ],
      },
      { groupId: 'moving', errorCode: 16, topics: [] },
    ]);
  });

  it('FindCoordinator v4: one answer per key, errors per key', () => {
    expect(decodeFindCoordinators(hex(kafka.findCoordinatorResponseV4))).toEqual([
      { key: 'billing', nodeId: 2, host: 'b-2', port: 9092, errorCode: 0, errorMessage: '' },
      { key: 'loading', nodeId: -1, host: '', port: -1, errorCode: 15, errorMessage: 'not available' },
    ]);
  });

  it('a truncated body is a protocol error naming the API, never garbage', () => {
    const body = hex(kafka.consumerGroupDescribeResponseV0).subarray(0, 40);
    expect(() => decodeConsumerGroupDescribe(body)).toThrow(
      /malformed ConsumerGroupDescribe v0 response: .* past the end/,
    );
  });

  it('an empty classic assignment (mid-rebalance) is no partitions', () => {
    expect(decodeConsumerAssignment(Buffer.alloc(0))).toEqual([]);
    expect(decodeConsumerAssignment(null)).toEqual([]);
  });
});

describe('error codes', () => {
  it.each([
    [16, 'NOT_COORDINATOR (16)', true],
    [14, 'COORDINATOR_LOAD_IN_PROGRESS (14)', true],
    [30, 'GROUP_AUTHORIZATION_FAILED (30)', false],
    [99, 'error (99)', false],
  ] as const)('%i is %s, retriable %s', (code, name, retriable) => {
    expect(errorName(code)).toBe(name);
    expect(isRetriableCode(code)).toBe(retriable);
  });
});
