import { consumerGroupCommandClass, runKafkaTool } from '../../tools/services/kafka';

/** One row of `kafka-consumer-groups --describe`; `undefined` where the tool prints `-`. */
export interface DescribedPartition {
  readonly group: string;
  readonly topic: string;
  readonly partition: number;
  readonly currentOffset: bigint | undefined;
  readonly logEndOffset: bigint | undefined;
  readonly lag: bigint | undefined;
  readonly consumerId: string | undefined;
}

const offsetOrDash = (value: string | undefined): bigint | undefined =>
  value === undefined || value === '-' ? undefined : BigInt(value);

/** Parses the table Kafka's ConsumerGroupCommand prints (header GROUP TOPIC PARTITION ...). */
export function parseDescribe(output: string): DescribedPartition[] {
  const rows: DescribedPartition[] = [];
  let columns: string[] | undefined;
  for (const line of output.split('\n')) {
    const cells = line.trim().split(/\s+/);
    if (cells[0] === 'GROUP' && cells.includes('PARTITION')) {
      columns = cells;
      continue;
    }
    if (!columns || cells.length < columns.length - 3 || !/^\d+$/.test(cells[2] ?? '')) continue;
    const cell = (name: string): string | undefined => cells[columns?.indexOf(name) ?? -1];
    rows.push({
      group: cell('GROUP') ?? '',
      topic: cell('TOPIC') ?? '',
      partition: Number(cell('PARTITION')),
      currentOffset: offsetOrDash(cell('CURRENT-OFFSET')),
      logEndOffset: offsetOrDash(cell('LOG-END-OFFSET')),
      lag: offsetOrDash(cell('LAG')),
      consumerId: cell('CONSUMER-ID') === '-' ? undefined : cell('CONSUMER-ID'),
    });
  }
  return rows;
}

/** Runs Kafka's own `ConsumerGroupCommand --describe` (our lag oracle) and parses its table. */
export async function describeGroups(
  brokers: string,
  selection: { group: string } | { allGroups: true },
): Promise<DescribedPartition[]> {
  const which = 'group' in selection ? ['--group', selection.group] : ['--all-groups'];
  const output = await runKafkaTool(consumerGroupCommandClass, ['--bootstrap-server', brokers, '--describe', ...which]);
  return parseDescribe(output);
}

/** One row of `--describe --members --verbose`; epochs and targets only for consumer-protocol groups. */
export interface DescribedMember {
  readonly group: string;
  readonly consumerId: string;
  readonly host: string;
  readonly clientId: string;
  readonly partitions: number;
  readonly currentEpoch: number | undefined;
  /** `topic:p` strings, sorted. */
  readonly currentAssignment: readonly string[];
  readonly targetEpoch: number | undefined;
  readonly targetAssignment: readonly string[] | undefined;
}

/** One row of `--describe --state`. */
export interface DescribedGroupState {
  readonly group: string;
  readonly assignmentStrategy: string;
  readonly state: string;
  readonly members: number;
}

/** `t1:0,1;t2:3` (or `-`) as sorted `topic:partition` strings. */
export function parseAssignment(cell: string | undefined): string[] {
  if (cell === undefined || cell === '-' || cell === '') return [];
  return cell
    .split(';')
    .flatMap((part) => {
      const at = part.lastIndexOf(':');
      const topic = part.slice(0, at);
      return part
        .slice(at + 1)
        .split(',')
        .filter((p) => p !== '')
        .map((p) => `${topic}:${p}`);
    })
    .sort();
}

const numberOrDash = (cell: string | undefined): number | undefined =>
  cell === undefined || cell === '-' ? undefined : Number(cell);

/** Parses `--describe --members --verbose` (header GROUP CONSUMER-ID HOST CLIENT-ID #PARTITIONS ...). */
export function parseMembers(output: string): DescribedMember[] {
  const rows: DescribedMember[] = [];
  let columns: string[] | undefined;
  for (const line of output.split('\n')) {
    const cells = line.trim().split(/\s+/);
    if (cells[0] === 'GROUP' && cells.includes('CONSUMER-ID')) {
      columns = cells;
      continue;
    }
    if (!columns) continue;
    const cell = (name: string): string | undefined => cells[columns?.indexOf(name) ?? -1];
    if (!/^\d+$/.test(cell('#PARTITIONS') ?? '')) continue;
    const targetEpoch = numberOrDash(cell('TARGET-EPOCH'));
    rows.push({
      group: cell('GROUP') ?? '',
      consumerId: cell('CONSUMER-ID') ?? '',
      host: cell('HOST') ?? '',
      clientId: cell('CLIENT-ID') ?? '',
      partitions: Number(cell('#PARTITIONS')),
      currentEpoch: numberOrDash(cell('CURRENT-EPOCH')),
      currentAssignment: parseAssignment(cell('CURRENT-ASSIGNMENT') ?? cell('ASSIGNMENT')),
      targetEpoch,
      targetAssignment: targetEpoch === undefined ? undefined : parseAssignment(cell('TARGET-ASSIGNMENT')),
    });
  }
  return rows;
}

/** Parses `--describe --state` (GROUP COORDINATOR (ID) ASSIGNMENT-STRATEGY STATE #MEMBERS). */
export function parseStates(output: string): DescribedGroupState[] {
  const rows: DescribedGroupState[] = [];
  for (const line of output.split('\n')) {
    const match = /^(\S+)\s+\S+\s+\(\d+\)\s+(\S+)\s+(\S+)\s+(\d+)\s*$/.exec(line.trim());
    if (!match) continue;
    rows.push({
      group: match[1] ?? '',
      assignmentStrategy: match[2] ?? '',
      state: match[3] ?? '',
      members: Number(match[4]),
    });
  }
  return rows;
}

/** Kafka's tool on every group at once: offsets, members (verbose) and states, one JVM each. */
export async function describeAll(brokers: string): Promise<{
  readonly partitions: DescribedPartition[];
  readonly members: DescribedMember[];
  readonly states: DescribedGroupState[];
}> {
  const base = ['--bootstrap-server', brokers, '--describe', '--all-groups'];
  const [offsets, members, states] = await Promise.all([
    runKafkaTool(consumerGroupCommandClass, base),
    runKafkaTool(consumerGroupCommandClass, [...base, '--members', '--verbose']),
    runKafkaTool(consumerGroupCommandClass, [...base, '--state']),
  ]);
  return { partitions: parseDescribe(offsets), members: parseMembers(members), states: parseStates(states) };
}
