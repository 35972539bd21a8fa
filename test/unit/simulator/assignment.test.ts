import { describe, expect, it } from 'vitest';
import { assignPartitions, movedPartitions, stickyAssignment } from '#simulator/assignment';

const oneTopic = (count: number) => Array.from({ length: count }, () => ({ topicIndex: 0 }));

describe('assignPartitions', () => {
  it('round-robin deals 5 partitions over members 7 and 9 in turn', () => {
    expect(assignPartitions(oneTopic(5), [7, 9], 'roundrobin')).toEqual(
      new Map([
        [7, [0, 2, 4]],
        [9, [1, 3]],
      ]),
    );
  });

  it('range gives consecutive runs, the first (7 mod 3 = 1) member one more', () => {
    expect([...assignPartitions(oneTopic(7), [1, 2, 3], 'range').values()]).toEqual([
      [0, 1, 2],
      [3, 4],
      [5, 6],
    ]);
  });

  it.each(['range', 'roundrobin', 'cooperative-sticky'] as const)('%s with no members assigns nothing', (assignor) => {
    expect(assignPartitions(oneTopic(4), [], assignor).size).toBe(0);
  });

  it('cooperative-sticky from scratch: the lowest id gets the extra partition, the pool is dealt in member order', () => {
    const assignment = assignPartitions(oneTopic(5), [2, 1], 'cooperative-sticky');
    expect([...assignment.entries()]).toEqual([
      [2, [0, 1]],
      [1, [2, 3, 4]],
    ]);
  });
});

describe('stickyAssignment', () => {
  it('the member holding most keeps the ceil quota, the others give up their surplus', () => {
    const after = stickyAssignment(
      5,
      new Map([
        [1, [0, 1, 2, 3]],
        [2, [4]],
      ]),
      [1, 2],
    );
    expect(after).toEqual(
      new Map([
        [1, [0, 1, 2]],
        [2, [4, 3]],
      ]),
    );
  });
});

describe('movedPartitions', () => {
  it('a partition handed to a new member moved; the ones that stayed did not', () => {
    const before = new Map([
      [1, [0, 1]],
      [2, [2, 3]],
    ]);
    const after = new Map([
      [1, [0]],
      [2, [2, 3]],
      [3, [1]],
    ]);
    expect(movedPartitions(before, after)).toEqual(new Set([1]));
  });

  it('a partition nobody owned before counts as moved', () => {
    expect(movedPartitions(new Map(), new Map([[1, [0, 1]]]))).toEqual(new Set([0, 1]));
  });
});
