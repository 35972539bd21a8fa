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
