import type { GroupMeasurement, MeasuredGroup } from '../../lambdas/application/measure';
import type { PartitionLag } from '../../lambdas/domain/lag/partition-lag';

const dash = (value: bigint | number | string | undefined): string => (value === undefined ? '-' : String(value));

/** What a partition's case means, in a few words (empty for a plain measurement). */
function note(p: PartitionLag): string {
  switch (p.kind) {
    case 'measured':
      return '';
    case 'no-commit':
      return `no commit (reset ${p.resetPolicy})`;
    case 'below-log-start':
      return `${p.lostRecords} records lost (deleted before consumed)`;
    case 'beyond-end':
      return `committed ${p.aheadBy} past the end (topic recreated?)`;
    case 'unavailable':
      return `unavailable: ${p.reason}`;
  }
}

function columns(rows: readonly (readonly string[])[]): string {
  const widths = rows.reduce<number[]>((w, row) => row.map((cell, i) => Math.max(w[i] ?? 0, cell.length)), []);
  return rows
    .map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** Kafka's `kafka-consumer-groups --describe` table, with the case of each partition. */
export function formatGroup(m: MeasuredGroup): string {
  const owner = new Map<string, { memberId: string; host: string; clientId: string }>();
  for (const member of m.snapshot.members) {
    for (const a of member.assignment) for (const p of a.partitions) owner.set(`${a.topic}/${p}`, member);
  }
  const s = m.summary;
  const header = `GROUP ${s.group}  state=${s.state}  members=${s.memberCount} (idle ${s.idleMembers})  total-lag=${s.totalLag}${s.lagIsLowerBound ? '+' : ''}  max-lag=${s.maxPartitionLag}  partitions-with-lag=${s.partitionsWithLag}/${s.partitionCount}  lost=${s.lostRecords}  isolation=${m.snapshot.isolation}`;
  const rows = [
    [
      'GROUP',
      'TOPIC',
      'PARTITION',
      'CURRENT-OFFSET',
      'LOG-END-OFFSET',
      'LAG',
      'CONSUMER-ID',
      'HOST',
      'CLIENT-ID',
      'NOTE',
    ],
    ...m.partitions.map((p) => {
      const member = owner.get(`${p.topic}/${p.partition}`);
      const committed = p.kind === 'no-commit' ? undefined : p.committed;
      const end = p.kind === 'unavailable' ? undefined : p.end;
      const lag = p.kind === 'unavailable' ? undefined : p.lag;
      return [
        s.group,
        p.topic,
        String(p.partition),
        dash(committed),
        dash(end),
        dash(lag),
        dash(member?.memberId),
        dash(member?.host),
        dash(member?.clientId),
        note(p),
      ];
    }),
  ];
  return `${header}\n${columns(rows)}`;
}

export function formatMeasurements(measurements: readonly GroupMeasurement[]): string {
  return measurements
    .map((m) => {
      switch (m.kind) {
        case 'measured':
          return formatGroup(m);
        case 'not-found':
          return `GROUP ${m.group}  NOT FOUND: no such consumer group (no members and no committed offsets)`;
        case 'error':
          return `GROUP ${m.group}  ERROR: ${m.message}`;
      }
    })
    .join('\n\n');
}

/** JSON with offsets as strings (bigint has no JSON form). */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2);
}
