/**
 * The local run's report: one self-contained HTML page with inline SVG charts of lag, time lag
 * and tasks over time, the measured reaction to the burst, and every decision with its reason.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TargetSample } from './samples';
import { formatReaction, type Reaction } from './reaction';
import type { TaskEvent } from './adapters/process-service-capacity';
import { describeDecision } from './view';

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

interface Series {
  readonly name: string;
  readonly color: string;
  readonly dashed?: boolean;
  /** Drawn as steps (a count that changes at a moment) rather than straight lines. */
  readonly step?: boolean;
  readonly points: readonly { readonly x: number; readonly y: number }[];
}

const palette = ['#2e5fa8', '#c0392b', '#1b7f3b', '#d68910', '#7d3c98', '#117a65'];

export const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

/** One inline SVG line chart; x in seconds from the start. */
export function lineChart(options: {
  readonly id: string;
  readonly title: string;
  readonly unit: string;
  readonly durationSeconds: number;
  readonly series: readonly Series[];
  readonly burst: RunReportData['burst'];
  readonly threshold?: { readonly y: number; readonly label: string };
}): string {
  const width = 900;
  const height = 240;
  const left = 64;
  const right = 200;
  const top = 26;
  const bottom = 28;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const duration = Math.max(options.durationSeconds, 1);
  const ys = options.series.flatMap((s) => s.points.map((p) => p.y));
  const maxY = Math.max(1, options.threshold?.y ?? 0, ...ys) * 1.05;
  const x = (seconds: number) => (left + (Math.min(Math.max(seconds, 0), duration) / duration) * plotW).toFixed(1);
  const y = (value: number) => (top + plotH - (value / maxY) * plotH).toFixed(1);
  const paths = options.series.map((s) => {
    const coords: string[] = [];
    let previous: number | undefined;
    for (const p of s.points) {
      if (s.step && previous !== undefined) coords.push(`${x(p.x)},${y(previous)}`);
      coords.push(`${x(p.x)},${y(p.y)}`);
      previous = p.y;
    }
    return `<polyline points="${coords.join(' ')}" fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 3"' : ''}/>`;
  });
  const legend = options.series.map(
    (s, i) =>
      `<line x1="${width - right + 10}" y1="${top + 8 + i * 16}" x2="${width - right + 34}" y2="${top + 8 + i * 16}" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 3"' : ''}/><text x="${width - right + 40}" y="${top + 12 + i * 16}" font-size="11">${escapeHtml(s.name)}</text>`,
  );
  const step = duration > 600 ? 120 : duration > 240 ? 60 : 30;
  const ticks = Array.from({ length: Math.floor(duration / step) + 1 }, (_, i) => i * step).map(
    (t) =>
      `<line x1="${x(t)}" y1="${top + plotH}" x2="${x(t)}" y2="${top + plotH + 4}" stroke="#666"/><text x="${x(t)}" y="${height - 8}" font-size="10" text-anchor="middle">${t}s</text>`,
  );
  const burst = options.burst
    ? `<rect x="${x(options.burst.startSeconds)}" y="${top}" width="${(Number(x(options.burst.endSeconds)) - Number(x(options.burst.startSeconds))).toFixed(1)}" height="${plotH}" fill="#f5b041" fill-opacity="0.15"/><text x="${x(options.burst.startSeconds)}" y="${top + 12}" font-size="10" fill="#9a6400"> burst</text>`
    : '';
  const threshold = options.threshold
    ? `<line x1="${left}" y1="${y(options.threshold.y)}" x2="${left + plotW}" y2="${y(options.threshold.y)}" stroke="#888" stroke-dasharray="2 3"/><text x="${left + plotW - 4}" y="${Number(y(options.threshold.y)) - 4}" font-size="10" text-anchor="end" fill="#555">${escapeHtml(options.threshold.label)}</text>`
    : '';
  return [
    `<svg class="chart" data-chart="${options.id}" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(options.title)}">`,
    `<text x="${left}" y="16" font-size="13" font-weight="bold">${escapeHtml(options.title)}</text>`,
    `<rect x="${left}" y="${top}" width="${plotW}" height="${plotH}" fill="#fafafa" stroke="#ccc"/>`,
    burst,
    threshold,
    ...paths,
    `<text x="${left - 6}" y="${top + 10}" font-size="10" text-anchor="end">${Math.round(maxY).toLocaleString('en-US')}</text>`,
    `<text x="${left - 6}" y="${top + plotH}" font-size="10" text-anchor="end">0</text>`,
    `<text x="14" y="${top + plotH / 2}" font-size="10" transform="rotate(-90 14 ${top + plotH / 2})" text-anchor="middle">${escapeHtml(options.unit)}</text>`,
    ...ticks,
    ...legend,
    '</svg>',
  ].join('\n');
}

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

/** The report page. */
export function runReportHtml(data: RunReportData): string {
  const seconds = (ms: number) => (ms - data.startedAtMs) / 1000;
  const durationSeconds = seconds(data.endedAtMs);
  const targets = [...new Set(data.samples.map((s) => s.target))];
  const color = (target: string) => palette[targets.indexOf(target) % palette.length] ?? '#333';
  const seriesOf = (pick: (s: TargetSample) => number | undefined, extra: Partial<Series> = {}, suffix = '') =>
    targets.map((target): Series => ({
      name: `${target}${suffix}`,
      color: color(target),
      points: data.samples
        .filter((s) => s.target === target)
        .flatMap((s) => {
          const v = pick(s);
          return v === undefined ? [] : [{ x: seconds(s.atMs), y: v }];
        }),
      ...extra,
    }));
  const charts = [
    lineChart({
      id: 'lag',
      title: 'Lag (messages, sum over partitions)',
      unit: 'messages',
      durationSeconds,
      series: seriesOf((s) => s.lag),
      burst: data.burst,
    }),
    lineChart({
      id: 'time-lag',
      title: 'Estimated max time lag (seconds)',
      unit: 'seconds',
      durationSeconds,
      series: seriesOf((s) => s.timeLagSeconds),
      burst: data.burst,
      threshold: data.lagTargetSeconds === undefined ? undefined : { y: data.lagTargetSeconds, label: 'lag target' },
    }),
    lineChart({
      id: 'tasks',
      title: 'Tasks: running (solid) and desired (dashed)',
      unit: 'tasks',
      durationSeconds,
      series: [
        ...seriesOf((s) => s.running, { step: true }, ' running'),
        ...seriesOf((s) => s.desired, { step: true, dashed: true }, ' desired'),
      ],
      burst: data.burst,
    }),
  ];
  const rows = notableDecisions(data.samples).map(
    (s) =>
      `<tr><td>${seconds(s.atMs).toFixed(0)} s</td><td>${escapeHtml(s.target)}</td><td>${escapeHtml(s.outcome)}</td><td>${escapeHtml(s.decision?.rule ?? '-')}</td><td>${escapeHtml(describeDecision(s.decision))}</td><td>${s.lag ?? '-'}</td><td>${s.timeLagSeconds?.toFixed(1) ?? '-'}</td><td>${escapeHtml(s.error ?? '')}</td></tr>`,
  );
  const events = data.events
    .filter((e) => e.kind !== 'started' && e.kind !== 'stopping')
    .map(
      (e) =>
        `<tr><td>${seconds(e.atMs).toFixed(1)} s</td><td>${escapeHtml(e.service)}</td><td>${e.pid ?? '-'}</td><td>${escapeHtml(e.kind)}</td><td>${escapeHtml(e.detail)}</td></tr>`,
    );
  const settings = Object.entries(data.settings).map(
    ([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`,
  );
  return [
    '<!doctype html><html><head><meta charset="utf-8">',
    `<title>${escapeHtml(data.title)}</title>`,
    '<style>body{font-family:system-ui,sans-serif;margin:16px;max-width:1100px}svg{display:block;margin:8px 0}table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #ddd;padding:2px 6px;text-align:left;vertical-align:top}</style>',
    '</head><body>',
    `<h1>${escapeHtml(data.title)}</h1>`,
    `<p>${new Date(data.startedAtMs).toISOString()} to ${new Date(data.endedAtMs).toISOString()} (${durationSeconds.toFixed(0)} s)</p>`,
    '<h2>Reaction to the burst</h2>',
    data.reactions.length === 0
      ? '<p>No burst in this run.</p>'
      : `<ul id="reaction">${data.reactions.map((r) => `<li>${escapeHtml(formatReaction(r))}</li>`).join('')}</ul>`,
    '<h2>Charts</h2>',
    ...charts,
    '<h2>Decisions</h2>',
    '<p>Every scale decision, and each tick where the deciding rule changed.</p>',
    `<table id="decisions"><tr><th>at</th><th>target</th><th>outcome</th><th>rule</th><th>decision and reason</th><th>lag</th><th>time lag (s)</th><th>error</th></tr>${rows.join('')}</table>`,
    '<h2>Consumer processes</h2>',
    `<table id="processes"><tr><th>at</th><th>service</th><th>pid</th><th>event</th><th>detail</th></tr>${events.join('')}</table>`,
    '<h2>Settings</h2>',
    `<table>${settings.join('')}</table>`,
    '</body></html>',
  ].join('\n');
}

/** Writes the report as `<dir>/lagscaler-run-<timestamp>.html` and returns the path. */
export function writeRunReport(directory: string, data: RunReportData): string {
  mkdirSync(directory, { recursive: true });
  const stamp = new Date(data.startedAtMs).toISOString().replace(/[:.]/g, '-');
  const path = join(directory, `lagscaler-run-${stamp}.html`);
  writeFileSync(path, runReportHtml(data));
  return path;
}
