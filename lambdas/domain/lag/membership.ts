/**
 * Whether a group's members hold what the coordinator wants them to hold. A classic group is
 * reconciled when Stable (everyone synced one generation). A consumer-protocol (KIP-848) group
 * moves partitions member by member: it is reconciled when Stable, every member's epoch equals the
 * target assignment's epoch, and every member owns exactly its target partitions.
 */
import type { GroupSnapshot, TopicPartitions } from './snapshot';

const sameAssignment = (a: readonly TopicPartitions[], b: readonly TopicPartitions[]): boolean => {
  const flat = (topics: readonly TopicPartitions[]): string =>
    topics
      .flatMap((t) => t.partitions.map((p) => `${t.topic}:${p}`))
      .sort()
      .join(',');
  return flat(a) === flat(b);
};

/** True when every member has reconciled to the group's current target assignment. */
export function isReconciled(snapshot: Pick<GroupSnapshot, 'state' | 'protocol' | 'members' | 'epochs'>): boolean {
  if (snapshot.state !== 'Stable') return false;
  if (snapshot.protocol === 'classic') return true;
  const target = snapshot.epochs?.assignment;
  if (target === undefined) return false;
  return snapshot.members.every(
    (m) => m.memberEpoch === target && sameAssignment(m.assignment, m.targetAssignment ?? m.assignment),
  );
}
