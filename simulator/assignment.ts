/**
 * Kafka's partition assignors as the simulator models them, over partition indexes and member ids.
 * Pure functions: a membership in, an assignment out.
 */

/**
 * range and roundrobin use Kafka's eager protocol: every membership change pauses the whole group.
 * cooperative-sticky keeps partitions where they are and pauses only the ones that move.
 */
export type Assignor = 'range' | 'roundrobin' | 'cooperative-sticky';

/** Partition indexes per member id. */
export type Assignment = Map<number, number[]>;

/**
 * Partition assignment as Kafka's assignors do it. Range: per topic, consecutive partitions, the first
 * P mod n members get one more (so with several topics the same members are the busiest on each).
 * Round-robin: all topic-partitions dealt in turn. Cooperative-sticky: see `stickyAssignment`.
 * Returns partition indexes per member id.
 */
export function assignPartitions(
  partitions: readonly { readonly topicIndex: number }[],
  members: readonly number[],
  assignor: Assignor,
): Assignment {
  if (assignor === 'cooperative-sticky') return stickyAssignment(partitions.length, new Map(), members);
  if (members.length === 0) return new Map();
  if (assignor === 'roundrobin') return roundRobinAssignment(partitions.length, members);
  return rangeAssignment(partitions, members);
}

/** Round-robin: partition i goes to member i mod n. */
function roundRobinAssignment(partitionCount: number, members: readonly number[]): Assignment {
  const result: Assignment = new Map(members.map((member) => [member, []]));
  for (let index = 0; index < partitionCount; index += 1) {
    result.get(members[index % members.length] ?? 0)?.push(index);
  }
  return result;
}

/** Range: per topic, consecutive runs; the first (P mod n) members take one partition more. */
function rangeAssignment(
  partitions: readonly { readonly topicIndex: number }[],
  members: readonly number[],
): Assignment {
  const result: Assignment = new Map(members.map((member) => [member, []]));
  const byTopic = new Map<number, number[]>();
  partitions.forEach((partition, index) => {
    const list = byTopic.get(partition.topicIndex) ?? [];
    list.push(index);
    byTopic.set(partition.topicIndex, list);
  });
  for (const indexes of byTopic.values()) {
    const per = Math.floor(indexes.length / members.length);
    const extra = indexes.length % members.length;
    let next = 0;
    members.forEach((member, position) => {
      const count = per + (position < extra ? 1 : 0);
      result.get(member)?.push(...indexes.slice(next, next + count));
      next += count;
    });
  }
  return result;
}

/**
 * Sticky balancing over all topic-partitions: each remaining member keeps what it had, up to its quota
 * (floor or ceil of N/n, the ceil going to the members holding most), and only the surplus and the
 * partitions of members that left move.
 */
export function stickyAssignment(
  partitionCount: number,
  previous: ReadonlyMap<number, readonly number[]>,
  members: readonly number[],
): Assignment {
  const result: Assignment = new Map(members.map((member) => [member, [...(previous.get(member) ?? [])]]));
  if (members.length === 0) return result;
  const quota = stickyQuotas(partitionCount, result, members);
  const owned = new Set<number>();
  for (const member of members) {
    const keep = (result.get(member) ?? []).slice(0, quota.get(member) ?? 0);
    result.set(member, keep);
    keep.forEach((index) => owned.add(index));
  }
  const pool = Array.from({ length: partitionCount }, (_, index) => index).filter((index) => !owned.has(index));
  for (const member of members) {
    const list = result.get(member) ?? [];
    while (list.length < (quota.get(member) ?? 0) && pool.length > 0) {
      const next = pool.shift();
      if (next !== undefined) list.push(next);
    }
  }
  return result;
}

/** Partitions each member may hold: floor(N/n), plus one for the (N mod n) members holding most now. */
function stickyQuotas(partitionCount: number, holding: Assignment, members: readonly number[]): Map<number, number> {
  const base = Math.floor(partitionCount / members.length);
  const extra = partitionCount % members.length;
  const byHolding = [...members].sort((a, b) => (holding.get(b)?.length ?? 0) - (holding.get(a)?.length ?? 0) || a - b);
  return new Map(byHolding.map((member, position) => [member, base + (position < extra ? 1 : 0)]));
}

/** Partitions whose owner differs between two assignments (unowned before counts as moved). */
export function movedPartitions(
  before: ReadonlyMap<number, readonly number[]>,
  after: ReadonlyMap<number, readonly number[]>,
): Set<number> {
  const ownerBefore = new Map<number, number>();
  before.forEach((list, member) => list.forEach((index) => ownerBefore.set(index, member)));
  const moved = new Set<number>();
  after.forEach((list, member) =>
    list.forEach((index) => {
      if (ownerBefore.get(index) !== member) moved.add(index);
    }),
  );
  return moved;
}
