import { describe, expect, it } from 'vitest';
import { isReconciled } from '#domain/lag/membership';
import type { GroupMember, GroupSnapshot } from '#domain/lag/snapshot';
import { TOPIC } from '#support/builders/lag';

const kip848 = (epoch: number, owned: readonly number[], target: readonly number[] = owned): GroupMember => ({
  memberId: `m-${epoch}-${owned.join('')}`,
  clientId: 'billing',
  host: '/10.0.0.1',
  assignment: [{ topic: TOPIC, partitions: owned }],
  memberEpoch: epoch,
  targetAssignment: [{ topic: TOPIC, partitions: target }],
});

type Facts = Pick<GroupSnapshot, 'state' | 'protocol' | 'members' | 'epochs'>;
const consumerGroup = (state: GroupSnapshot['state'], members: readonly GroupMember[], assignment = 9): Facts => ({
  state,
  protocol: 'consumer',
  members,
  epochs: { group: assignment, assignment },
});

describe('isReconciled', () => {
  it.each<[string, Facts, boolean]>([
    ['classic, Stable', { state: 'Stable', protocol: 'classic', members: [] }, true],
    ['classic, rebalancing', { state: 'PreparingRebalance', protocol: 'classic', members: [] }, false],
    [
      'consumer, Stable, every member at the assignment epoch',
      consumerGroup('Stable', [kip848(9, [0, 1]), kip848(9, [2])]),
      true,
    ],
    ['consumer, Reconciling', consumerGroup('Reconciling', [kip848(9, [0, 1]), kip848(8, [2], [])]), false],
    ['consumer, Assigning (new target not computed yet)', consumerGroup('Assigning', [kip848(9, [0, 1, 2])]), false],
    [
      'consumer, Stable but one member behind the epoch',
      consumerGroup('Stable', [kip848(9, [0, 1]), kip848(8, [2])]),
      false,
    ],
    ['consumer, Stable but owns more than its target', consumerGroup('Stable', [kip848(9, [0, 1], [0])]), false],
    ['consumer, Stable, no epochs read', { state: 'Stable', protocol: 'consumer', members: [] }, false],
    ['consumer, Empty', consumerGroup('Empty', []), false],
  ])('%s -> %s', (_name, facts, expected) => {
    expect(isReconciled(facts)).toBe(expected);
  });
});
