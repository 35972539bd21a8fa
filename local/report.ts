/**
 * The local run's report: one self-contained HTML page with inline SVG charts of lag, time lag
 * and tasks over time (drawn by the simulator's chart module, the one renderer every report uses),
 * the measured reaction to the burst, and every decision with its reason.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TargetSample } from './samples';
import { formatReaction, type Reaction } from './reaction';
import type { TaskEvent } from './adapters/process-service-capacity';
import { describeDecision } from './view';
import {
  chartSvg,
  escapeXml,
  panelsByGroup,
  type ChartPanel,
  type ChartSeries,
  type ChartSpec,
} from '#simulator/render/chart';

export interface RunReportData {
  readonly title: string;
  readonly startedAtMs: number;
  readonly endedAtMs: number;
  readonly samples: readonly TargetSample[];
  readonly reactions: readonly Reaction[];
  readonly events: readonly TaskEvent[];
  /** Burst window in seconds from the start, shaded on every chart. */
  readonly burst: { readonly startSeconds: number; readonly endSeconds: number } | undefined;
  readonly lagTargetSeconds: number | undefined;
  /** Settings worth reading next to the charts (profile, policy, interval...). */
  readonly settings: Readonly<Record<string, string>>;
}

const palette = ['#2e5fa8', '#c0392b', '#1b7f3b', '#d68910', '#7d3c98', '#117a65'];

/** Decisions worth listing: every scale (acted or dry run), and each change of rule between holds. */
export function notableDecisions(samples: readonly TargetSample[]): TargetSample[] {
  const lastRule = new Map<string, string>();
  return samples.filter((s) => {
    const rule = s.decision ? `${s.decision.kind}:${s.decision.rule}` : `${s.outcome}`;
    const changed = lastRule.get(s.target) !== rule;
    lastRule.set(s.target, rule);
    return s.decision?.kind === 'scale' || changed;
  });
}

/** The report page: heading, reaction to the burst, charts, decisions, processes and settings. */
export function runReportHtml(data: RunReportData): string {
  const durationSeconds = secondsFromStart(data, data.endedAtMs);
  return [
    '<!doctype html><html><head><meta charset="utf-8">',
    `<title>${escapeXml(data.title)}</title>`,
    '<style>body{font-family:system-ui,sans-serif;margin:16px;max-width:1100px}svg{display:block;margin:8px 0}table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #ddd;padding:2px 6px;text-align:left;vertical-align:top}</style>',
    '</head><body>',
    `<h1>${escapeXml(data.title)}</h1>`,
    `<p>${new Date(data.startedAtMs).toISOString()} to ${new Date(data.endedAtMs).toISOString()} (${durationSeconds.toFixed(0)} s)</p>`,
    '<h2>Reaction to the burst</h2>',
    reactionList(data.reactions),
    '<h2>Charts</h2>',
    ...runCharts(data).map(chartSvg),
    '<h2>Decisions</h2>',
    '<p>Every scale decision, and each tick where the deciding rule changed.</p>',
    decisionsTable(data),
    '<h2>Consumer processes</h2>',
    processesTable(data),
    '<h2>Settings</h2>',
    settingsTable(data.settings),
    '</body></html>',
  ].join('\n');
}

/** Seconds from the run's start to `atMs`: the charts' and tables' time. */
function secondsFromStart(data: RunReportData, atMs: number): number {
  return (atMs - data.startedAtMs) / 1000;
}

/** The measured reaction per target, or a note that the run had no burst. */
function reactionList(reactions: readonly Reaction[]): string {
  if (reactions.length === 0) return '<p>No burst in this run.</p>';
  return `<ul id="reaction">${reactions.map((r) => `<li>${escapeXml(formatReaction(r))}</li>`).join('')}</ul>`;
}

/**
 * The three charts: lag, time lag against the lag target, and tasks (running solid, desired dashed)
 * as small multiples, one panel per target on its own scale. The burst is shaded on every panel.
 */
export function runCharts(data: RunReportData): ChartSpec[] {
  const seriesOf = targetSeries(data);
  const common = {
    durationSeconds: secondsFromStart(data, data.endedAtMs),
    bands:
      data.burst === undefined
        ? []
        : [{ fromSeconds: data.burst.startSeconds, toSeconds: data.burst.endSeconds, label: 'burst' }],
  };
  const tasks: ChartPanel = {
    yLabel: 'tasks',
    wholeNumbers: true,
    series: [
      ...seriesOf((s) => s.running, { step: true }, ' running'),
      ...seriesOf((s) => s.desired, { step: true, dashed: true }, ' desired'),
    ],
  };
  return [
    {
      ...common,
      id: 'lag',
      title: 'Lag (messages, sum over partitions)',
      panels: [{ yLabel: 'messages', series: seriesOf((s) => s.lag) }],
    },
    {
      ...common,
      id: 'time-lag',
      title: 'Estimated max time lag (seconds)',
      panels: [
        {
          yLabel: 'seconds',
          series: seriesOf((s) => s.timeLagSeconds),
          threshold:
            data.lagTargetSeconds === undefined
              ? undefined
              : { y: data.lagTargetSeconds, label: `lag target ${data.lagTargetSeconds} s` },
        },
      ],
    },
    { ...common, id: 'tasks', title: 'Tasks: running (solid) and desired (dashed)', panels: panelsByGroup(tasks) },
  ];
}

/** Picks one number from each target's samples into a series per target (`suffix` after the target's name). */
type TargetSeriesOf = (
  pick: (sample: TargetSample) => number | undefined,
  style?: Partial<ChartSeries>,
  suffix?: string,
) => ChartSeries[];

/** Series per target from a sample field (skipping samples without it), coloured and grouped by target. */
function targetSeries(data: RunReportData): TargetSeriesOf {
  const targets = [...new Set(data.samples.map((s) => s.target))];
  return (
    pick: (s: TargetSample) => number | undefined,
    style: Partial<ChartSeries> = {},
    suffix = '',
  ): ChartSeries[] =>
    targets.map((target, index) => ({
      name: `${target}${suffix}`,
      color: palette[index % palette.length] ?? '#333',
      group: target,
      points: data.samples
        .filter((s) => s.target === target)
        .flatMap((s) => {
          const value = pick(s);
          return value === undefined ? [] : [{ x: secondsFromStart(data, s.atMs), y: value }];
        }),
      ...style,
    }));
}

/** Every notable decision with its rule, reason, lag and error. */
function decisionsTable(data: RunReportData): string {
  const rows = notableDecisions(data.samples).map((s) =>
    row([
      `${secondsFromStart(data, s.atMs).toFixed(0)} s`,
      s.target,
      s.outcome,
      s.decision?.rule ?? '-',
      describeDecision(s.decision),
      String(s.lag ?? '-'),
      s.timeLagSeconds?.toFixed(1) ?? '-',
      s.error ?? '',
    ]),
  );
  const head = ['at', 'target', 'outcome', 'rule', 'decision and reason', 'lag', 'time lag (s)', 'error'];
  return `<table id="decisions">${headRow(head)}${rows.join('')}</table>`;
}

/** The consumer processes' lifecycle events (ready, exits, crashes); started/stopping are noise here. */
function processesTable(data: RunReportData): string {
  const rows = data.events
    .filter((e) => e.kind !== 'started' && e.kind !== 'stopping')
    .map((e) =>
      row([`${secondsFromStart(data, e.atMs).toFixed(1)} s`, e.service, String(e.pid ?? '-'), e.kind, e.detail]),
    );
  return `<table id="processes">${headRow(['at', 'service', 'pid', 'event', 'detail'])}${rows.join('')}</table>`;
}

/** The run's settings, one row per name. */
function settingsTable(settings: RunReportData['settings']): string {
  const rows = Object.entries(settings).map(
    ([name, value]) => `<tr><th>${escapeXml(name)}</th><td>${escapeXml(value)}</td></tr>`,
  );
  return `<table>${rows.join('')}</table>`;
}

/** A table row of escaped cells. */
function row(cells: readonly string[]): string {
  return `<tr>${cells.map((cell) => `<td>${escapeXml(cell)}</td>`).join('')}</tr>`;
}

/** A table's header row. */
function headRow(names: readonly string[]): string {
  return `<tr>${names.map((name) => `<th>${escapeXml(name)}</th>`).join('')}</tr>`;
}

/** Writes the report as `<dir>/lagscaler-run-<timestamp>.html` and returns the path. */
export function writeRunReport(directory: string, data: RunReportData): string {
  mkdirSync(directory, { recursive: true });
  const stamp = new Date(data.startedAtMs).toISOString().replace(/[:.]/g, '-');
  const path = join(directory, `lagscaler-run-${stamp}.html`);
  writeFileSync(path, runReportHtml(data));
  return path;
}
