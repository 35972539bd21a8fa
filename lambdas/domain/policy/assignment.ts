/**
 * Assignment-aware task counts. With P partitions over n members the busiest member holds ceil(P/n)
 * partitions (range and round-robin assignors both give that), so only some counts buy throughput:
 * 12 partitions on 5 tasks are no faster than on 4. A count is "useful" when it lowers the busiest
 * member's load on at least one topic compared with one task fewer.
 */

/** Partitions held by the busiest of `members` members of a topic with `partitions` partitions. */
export function busiestMemberPartitions(partitions: number, members: number): number {
  if (members <= 0) return partitions;
  return Math.ceil(partitions / members);
}

/**
 * True when `tasks` gives at least one topic a lighter busiest member than `tasks - 1`.
 * 1 is always useful; counts above the largest partition count never are (the extra members idle).
 */
export function isUsefulCount(partitionCounts: readonly number[], tasks: number): boolean {
  if (!Number.isInteger(tasks) || tasks < 1) return false;
  if (tasks === 1) return partitionCounts.length > 0;
  return partitionCounts.some(
    (partitions) => busiestMemberPartitions(partitions, tasks) < busiestMemberPartitions(partitions, tasks - 1),
  );
}

/** The largest partition count: the cap on useful tasks. 0 when there are no topics. */
export function capPartitions(partitionCounts: readonly number[]): number {
  return partitionCounts.reduce((max, partitions) => Math.max(max, partitions), 0);
}

/** Smallest useful count >= `atLeast`, or undefined when none exists (above the largest partition count). */
export function usefulAtLeast(partitionCounts: readonly number[], atLeast: number): number | undefined {
  const cap = capPartitions(partitionCounts);
  for (let tasks = Math.max(1, Math.ceil(atLeast)); tasks <= cap; tasks += 1) {
    if (isUsefulCount(partitionCounts, tasks)) return tasks;
  }
  return undefined;
}

/** Largest useful count <= `atMost`, or undefined when `atMost` < 1. */
export function usefulAtMost(partitionCounts: readonly number[], atMost: number): number | undefined {
  const cap = capPartitions(partitionCounts);
  for (let tasks = Math.min(cap, Math.floor(atMost)); tasks >= 1; tasks -= 1) {
    if (isUsefulCount(partitionCounts, tasks)) return tasks;
  }
  return undefined;
}

/** Every useful count in ascending order (1 .. largest partition count). */
export function usefulCounts(partitionCounts: readonly number[]): readonly number[] {
  const cap = capPartitions(partitionCounts);
  const counts: number[] = [];
  for (let tasks = 1; tasks <= cap; tasks += 1) {
    if (isUsefulCount(partitionCounts, tasks)) counts.push(tasks);
  }
  return counts;
}
