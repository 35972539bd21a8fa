import type { MeasuredTarget, TargetMeasurement } from '#domain/lag/targets';
import { isReconciled, partitionKey, type PartitionLag, type TimeLag } from '#domain/lag/index';

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

/** A time lag as a person reads it: `-` unknown, `>=` a lower bound. */
export function formatTimeLag(t: TimeLag | undefined): string {
  if (!t || t.kind === 'unknown') return '-';
  const s = t.ms / 1000;
  const text = s < 60 ? `${s.toFixed(1)}s` : s < 3600 ? `${(s / 60).toFixed(1)}m` : `${(s / 3600).toFixed(1)}h`;
  return t.kind === 'lower-bound' ? `>=${text}` : text;
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

/** Kafka's `kafka-consumer-groups --describe` table, with time lag, health and the case of each partition. */
export function formatGroup(m: MeasuredTarget): string {
  const owner = new Map<string, { memberId: string; host: string; clientId: string }>();
  for (const member of m.snapshot.members) {
    for (const a of member.assignment) for (const p of a.partitions) owner.set(`${a.topic}/${p}`, member);
  }
  const timeLags = new Map(m.lag.timeLag.partitions.map((t) => [partitionKey(t), t.timeLag]));
  const health = new Map(m.lag.health.partitions.map((h) => [partitionKey(h), h.status]));
  const s = m.lag.summary;
  const header = [
    `GROUP ${s.group}`,
    `state=${s.state}`,
    `status=${m.lag.health.status}`,
    `members=${s.memberCount} (idle ${s.idleMembers})`,
    `total-lag=${s.totalLag}${s.lagIsLowerBound ? '+' : ''}`,
    `max-lag=${s.maxPartitionLag}`,
    `partitions-with-lag=${s.partitionsWithLag}/${s.partitionCount}`,
    `time-lag=${m.lag.timeLag.group.kind === 'known' ? formatTimeLag({ kind: 'estimated', ms: m.lag.timeLag.group.ms, producedAtMs: 0 }) : '-'}`,
    `lost=${s.lostRecords}`,
    `isolation=${m.snapshot.isolation}`,
    // Appended, so the existing line reads as before: the protocol, and KIP-848's epochs.
    `protocol=${m.snapshot.protocol}`,
    ...(m.snapshot.epochs
      ? [
          `epochs=${m.snapshot.epochs.group}/${m.snapshot.epochs.assignment} (group/target)`,
          `reconciled=${isReconciled(m.snapshot) ? 'yes' : 'no'}`,
        ]
      : []),
  ].join('  ');
  const membershipNote = m.snapshot.note ? `\nNOTE ${m.snapshot.note}` : '';
  const rows = [
    [
      'GROUP',
      'TOPIC',
      'PARTITION',
      'CURRENT-OFFSET',
      'LOG-END-OFFSET',
      'LAG',
      'TIME-LAG',
      'STATUS',
      'CONSUMER-ID',
      'HOST',
      'CLIENT-ID',
      'NOTE',
    ],
    ...m.lag.partitions.map((p) => {
      const key = partitionKey(p);
      const member = owner.get(key);
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
        formatTimeLag(timeLags.get(key)),
        dash(health.get(key)),
        dash(member?.memberId),
        dash(member?.host),
        dash(member?.clientId),
        note(p),
      ];
    }),
  ];
  return `${header}${membershipNote}\n${columns(rows)}`;
}

export function formatMeasurements(measurements: readonly TargetMeasurement[]): string {
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
