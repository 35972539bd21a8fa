/**
 * The one SVG line-chart renderer every report uses (the simulator's page and the local run report).
 * Pure: a chart spec in, an SVG string out; no I/O, no clock. x is always seconds from the start.
 *
 * A chart is one or more panels sharing the time axis; each panel has its own y-scale with round tick
 * values, a legend, and optionally a labelled threshold line. Bands (e.g. a burst window) are shaded
 * on every panel. Several panels are small multiples: `panelsByGroup` makes one per series group so a
 * series reaching 48 does not squeeze one that stays at 2.
 */

/** One sample: `x` in seconds from the start, `y` in the panel's unit. */
export interface ChartPoint {
  readonly x: number;
  readonly y: number;
}

export interface ChartSeries {
  /** Shown in the legend (escaped). */
  readonly name: string;
  /** Any CSS colour. */
  readonly color: string;
  readonly points: readonly ChartPoint[];
  /** Hold each value until the next point: a count that changes at a moment, not a trend. */
  readonly step?: boolean;
  readonly dashed?: boolean;
  /** Fill between the line and zero (e.g. a backlog). */
  readonly area?: boolean;
  /** Small multiples: `panelsByGroup` puts series of one group in one panel. */
  readonly group?: string;
}

/** A horizontal reference line, e.g. a drain target; the panel's y range always includes it. */
export interface ChartThreshold {
  readonly y: number;
  readonly label: string;
}

/** A shaded time window, e.g. a burst, drawn on every panel. */
export interface ChartBand {
  readonly fromSeconds: number;
  readonly toSeconds: number;
  readonly label: string;
}

export interface ChartPanel {
  /** Shown above the panel when the chart has several panels or this is set. */
  readonly title?: string;
  /** The y axis label with its unit, e.g. 'messages'. */
  readonly yLabel: string;
  readonly series: readonly ChartSeries[];
  readonly threshold?: ChartThreshold;
  /** The values are counts (e.g. tasks): ticks at whole numbers only. */
  readonly wholeNumbers?: boolean;
}

export interface ChartSpec {
  /** Written as `data-chart` so pages and tests can find the chart. */
  readonly id?: string;
  readonly title: string;
  /** Colour of the title. @default '#222' */
  readonly titleColor?: string;
  /** The time axis runs from 0 to this; points outside are clamped to the edges. */
  readonly durationSeconds: number;
  /** @default 'time since start' */
  readonly xLabel?: string;
  /** One panel is a plain chart; several are small multiples on the shared time axis. */
  readonly panels: readonly ChartPanel[];
  readonly bands?: readonly ChartBand[];
  /** @default 900 */
  readonly width?: number;
  /** Height of one panel's plot area. @default 180 */
  readonly panelHeight?: number;
}

const MARGIN = { left: 64, right: 200, top: 30, bottom: 40 } as const;
const PANEL_TITLE_HEIGHT = 16;
const PANEL_GAP = 14;
const LEGEND_ROW_HEIGHT = 16;
const TICK_LENGTH = 4;
const FONT_FAMILY = 'system-ui, sans-serif';

/** Text and attribute values safe in SVG and HTML (the five XML specials). */
export function escapeXml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}

/** A coordinate with one decimal: enough for a screen, short in the file. */
const px = (value: number): string => value.toFixed(1);

/** The smallest of 1, 2, 5 x 10^k at least `rawStep`. */
function niceStep(rawStep: number): number {
  const power = 10 ** Math.floor(Math.log10(rawStep));
  const fraction = rawStep / power;
  // The tolerance keeps a float quotient like 2.0000000000000004 on the step it means.
  const nice = [1, 2, 5].find((candidate) => fraction <= candidate + 1e-9) ?? 10;
  return nice * power;
}

/** Decimals that show a tick step exactly (0.2 -> 1, 0.05 -> 2, 10 -> 0). */
function decimalsOf(step: number): number {
  return Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
}

/**
 * Round tick values covering [min, max]: the step is the smallest 1, 2 or 5 x 10^k (and at least
 * `minStep`) that makes at most `targetCount` intervals of the range, so the first tick is at or below
 * min and the last at or above max (one or two intervals more when they fall between ticks). An empty
 * range is widened to 1.
 */
export function niceTicks(min: number, max: number, targetCount = 5, minStep = 0): number[] {
  const top = max > min ? max : min + 1;
  const step = Math.max(minStep, niceStep((top - min) / Math.max(1, targetCount)));
  const first = Math.floor(min / step);
  const last = Math.ceil(top / step - 1e-9);
  const decimals = decimalsOf(step);
  return Array.from({ length: last - first + 1 }, (_, i) => Number(((first + i) * step).toFixed(decimals)));
}

/** Time steps a reader counts in: seconds, minutes, hours, days. */
const TIME_STEPS_SECONDS = [
  1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400,
] as const;

/** Ticks on a time axis from 0 to `durationSeconds`: the smallest round step giving at most `targetCount` intervals. */
export function timeTicks(durationSeconds: number, targetCount = 8): number[] {
  const duration = Math.max(durationSeconds, 1);
  const step =
    TIME_STEPS_SECONDS.find((candidate) => duration / candidate <= targetCount) ??
    86_400 * Math.ceil(duration / 86_400 / targetCount);
  return Array.from({ length: Math.floor(duration / step) + 1 }, (_, i) => i * step);
}

/** A time tick's label: '0', '45s', '1m30s', '2h', '1h30m', '2d'. */
export function formatDuration(seconds: number): string {
  if (seconds === 0) return '0';
  const parts: [number, string][] = [
    [Math.floor(seconds / 86_400), 'd'],
    [Math.floor((seconds % 86_400) / 3600), 'h'],
    [Math.floor((seconds % 3600) / 60), 'm'],
    [seconds % 60, 's'],
  ];
  return parts
    .filter(([count]) => count > 0)
    .map(([count, unit]) => `${count}${unit}`)
    .join('');
}

/**
 * Labels for one axis's ticks, all in the same form: thousands separated ('2,500'), or with k / M
 * when the largest reaches 10,000 / 1,000,000 ('20k', '1.5M'); decimals as the step needs.
 */
export function formatTicks(ticks: readonly number[]): string[] {
  const largest = Math.max(0, ...ticks.map(Math.abs));
  const [divisor, suffix] = largest >= 1e6 ? [1e6, 'M'] : largest >= 1e4 ? [1e3, 'k'] : [1, ''];
  const step = ticks.length > 1 ? Math.abs((ticks[1] ?? 0) - (ticks[0] ?? 0)) / divisor : 1;
  const decimals = step > 0 ? decimalsOf(step) : 0;
  return ticks.map((tick) => {
    if (tick === 0) return '0';
    const [whole = '', fraction] = (tick / divisor).toFixed(decimals).split('.');
    const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
    return `${grouped}${fraction === undefined ? '' : `.${fraction}`}${suffix}`;
  });
}

/**
 * Small multiples: one panel per series group (in order of first appearance), each on its own y-scale,
 * titled by the group, with the panel's y label and threshold. Series without a group share a panel
 * that keeps the original title.
 */
export function panelsByGroup(panel: ChartPanel): ChartPanel[] {
  const groups = new Map<string | undefined, ChartSeries[]>();
  for (const series of panel.series) groups.set(series.group, [...(groups.get(series.group) ?? []), series]);
  return [...groups].map(([group, series]) => ({ ...panel, title: group ?? panel.title, series }));
}

/** Where a panel's plot area sits in the SVG, and its y-scale. */
interface PanelFrame {
  readonly top: number;
  readonly bottom: number;
  readonly left: number;
  readonly right: number;
  readonly yTicks: readonly number[];
  /** SVG y of a value in the panel's unit. */
  readonly y: (value: number) => number;
}

/** The time axis shared by every panel. */
interface TimeAxis {
  readonly ticks: readonly number[];
  /** SVG x of a second from the start (clamped to the axis). */
  readonly x: (seconds: number) => number;
}

/** The panel's y ticks: from min(0, data) to max(data, threshold), so zero and the threshold show. */
function panelTicks(panel: ChartPanel): number[] {
  const values = panel.series.flatMap((series) => series.points.map((point) => point.y)).filter(Number.isFinite);
  const threshold = panel.threshold === undefined ? [] : [panel.threshold.y];
  const minStep = panel.wholeNumbers === true ? 1 : 0;
  return niceTicks(Math.min(0, ...values, ...threshold), Math.max(0, ...values, ...threshold), 5, minStep);
}

/** Frames for each panel, stacked top to bottom; `titled` leaves room for panel titles. */
function panelFrames(spec: ChartSpec, titled: boolean, width: number): PanelFrame[] {
  const plotHeight = spec.panelHeight ?? 180;
  const titleHeight = titled ? PANEL_TITLE_HEIGHT : 0;
  return spec.panels.map((panel, index) => {
    const top = MARGIN.top + index * (titleHeight + plotHeight + PANEL_GAP) + titleHeight;
    const bottom = top + plotHeight;
    const yTicks = panelTicks(panel);
    const low = yTicks[0] ?? 0;
    const high = yTicks.at(-1) ?? 1;
    const y = (value: number) => bottom - ((value - low) / (high - low)) * plotHeight;
    return { top, bottom, left: MARGIN.left, right: width - MARGIN.right, yTicks, y };
  });
}

/** One inline SVG chart (see `ChartSpec`): title, panels with axes, legends, thresholds and bands. */
export function chartSvg(spec: ChartSpec): string {
  const width = spec.width ?? 900;
  const titled = spec.panels.length > 1 || spec.panels.some((panel) => panel.title !== undefined);
  const frames = panelFrames(spec, titled, width);
  const height = (frames.at(-1)?.bottom ?? MARGIN.top) + MARGIN.bottom;
  const duration = Math.max(spec.durationSeconds, 1);
  const left = MARGIN.left;
  const plotWidth = width - MARGIN.left - MARGIN.right;
  const axis: TimeAxis = {
    ticks: timeTicks(duration),
    x: (seconds) => left + (Math.min(Math.max(seconds, 0), duration) / duration) * plotWidth,
  };
  const dataChart = spec.id === undefined ? '' : ` data-chart="${escapeXml(spec.id)}"`;
  return [
    `<svg class="chart"${dataChart} xmlns="http://www.w3.org/2000/svg" width="${width}" height="${px(height)}" viewBox="0 0 ${width} ${px(height)}" font-family="${FONT_FAMILY}" role="img" aria-label="${escapeXml(spec.title)}">`,
    `<text x="${left}" y="18" font-size="13" font-weight="bold" fill="${escapeXml(spec.titleColor ?? '#222')}">${escapeXml(spec.title)}</text>`,
    ...spec.panels.map((panel, index) => {
      const frame = frames[index];
      if (frame === undefined) return '';
      const last = index === spec.panels.length - 1;
      return panelSvg(panel, frame, axis, { bands: spec.bands ?? [], titled, labelBands: index === 0, last });
    }),
    xAxisLabelSvg(spec, frames.at(-1), height),
    '</svg>',
  ].join('\n');
}

/** How one panel is drawn within the chart. */
interface PanelContext {
  readonly bands: readonly ChartBand[];
  readonly titled: boolean;
  /** Band labels go on the first panel only. */
  readonly labelBands: boolean;
  /** Time tick labels go under the last panel only. */
  readonly last: boolean;
}

/** One panel: frame, grid and y ticks, bands, threshold, the series, time ticks and its legend. */
function panelSvg(panel: ChartPanel, frame: PanelFrame, axis: TimeAxis, context: PanelContext): string {
  const hasPoints = panel.series.some((series) => series.points.length > 0);
  return [
    context.titled && panel.title !== undefined
      ? `<text x="${frame.left}" y="${px(frame.top - 4)}" font-size="11" font-weight="bold" fill="#444">${escapeXml(panel.title)}</text>`
      : '',
    `<rect x="${frame.left}" y="${px(frame.top)}" width="${px(frame.right - frame.left)}" height="${px(frame.bottom - frame.top)}" fill="#fafafa" stroke="#ccc"/>`,
    ...context.bands.map((band) => bandSvg(band, frame, axis, context.labelBands)),
    yAxisSvg(panel.yLabel, frame),
    timeTicksSvg(frame, axis, context.last),
    panel.threshold === undefined ? '' : thresholdSvg(panel.threshold, frame),
    ...panel.series.map((series) => seriesSvg(series, frame, axis)),
    hasPoints
      ? ''
      : `<text x="${px((frame.left + frame.right) / 2)}" y="${px((frame.top + frame.bottom) / 2)}" font-size="11" text-anchor="middle" fill="#888">no data</text>`,
    legendSvg(panel.series, frame),
  ]
    .filter((part) => part !== '')
    .join('\n');
}

/** Horizontal grid lines with round tick labels on the left, and the unit label turned on its side. */
function yAxisSvg(yLabel: string, frame: PanelFrame): string {
  const labels = formatTicks(frame.yTicks);
  const middle = px((frame.top + frame.bottom) / 2);
  const ticks = frame.yTicks.map((tick, index) => {
    const y = px(frame.y(tick));
    return (
      `<line x1="${frame.left}" y1="${y}" x2="${frame.right}" y2="${y}" stroke="#e6e6e6"/>` +
      `<text x="${frame.left - 6}" y="${y}" font-size="10" text-anchor="end" dominant-baseline="middle">${labels[index] ?? ''}</text>`
    );
  });
  return [
    ...ticks,
    `<text x="14" y="${middle}" font-size="10" text-anchor="middle" transform="rotate(-90 14 ${middle})">${escapeXml(yLabel)}</text>`,
  ].join('\n');
}

/** Tick marks on the time axis under the panel; labels only under the last panel. */
function timeTicksSvg(frame: PanelFrame, axis: TimeAxis, withLabels: boolean): string {
  return axis.ticks
    .map((tick) => {
      const x = px(axis.x(tick));
      const mark = `<line x1="${x}" y1="${px(frame.bottom)}" x2="${x}" y2="${px(frame.bottom + TICK_LENGTH)}" stroke="#666"/>`;
      const label = withLabels
        ? `<text x="${x}" y="${px(frame.bottom + 15)}" font-size="10" text-anchor="middle">${formatDuration(tick)}</text>`
        : '';
      return mark + label;
    })
    .join('\n');
}

/** The time axis's label under the last panel. */
function xAxisLabelSvg(spec: ChartSpec, frame: PanelFrame | undefined, height: number): string {
  if (frame === undefined) return '';
  const center = px((frame.left + frame.right) / 2);
  return `<text x="${center}" y="${px(height - 6)}" font-size="10" text-anchor="middle" fill="#555">${escapeXml(spec.xLabel ?? 'time since start')}</text>`;
}

/** A dotted line across the panel at the threshold, labelled at its right end. */
function thresholdSvg(threshold: ChartThreshold, frame: PanelFrame): string {
  const y = px(frame.y(threshold.y));
  return (
    `<line x1="${frame.left}" y1="${y}" x2="${frame.right}" y2="${y}" stroke="#888" stroke-dasharray="2 3"/>` +
    `<text x="${frame.right - 4}" y="${px(frame.y(threshold.y) - 4)}" font-size="10" text-anchor="end" fill="#555">${escapeXml(threshold.label)}</text>`
  );
}

/** A shaded time window over the panel's height, labelled at its top left on the first panel. */
function bandSvg(band: ChartBand, frame: PanelFrame, axis: TimeAxis, withLabel: boolean): string {
  const from = axis.x(band.fromSeconds);
  const to = axis.x(band.toSeconds);
  const rect = `<rect x="${px(from)}" y="${px(frame.top)}" width="${px(Math.max(0, to - from))}" height="${px(frame.bottom - frame.top)}" fill="#f5b041" fill-opacity="0.15"/>`;
  const label = withLabel
    ? `<text x="${px(from + 3)}" y="${px(frame.top + 12)}" font-size="10" fill="#9a6400">${escapeXml(band.label)}</text>`
    : '';
  return rect + label;
}

/** SVG coordinates of a series; a step series holds each value until the next point. */
function seriesCoordinates(series: ChartSeries, frame: PanelFrame, axis: TimeAxis): [number, number][] {
  const coordinates: [number, number][] = [];
  let previous: number | undefined;
  for (const point of series.points) {
    if (series.step === true && previous !== undefined) coordinates.push([axis.x(point.x), frame.y(previous)]);
    coordinates.push([axis.x(point.x), frame.y(point.y)]);
    previous = point.y;
  }
  return coordinates;
}

/** One series: its line (solid or dashed), over a translucent fill down to zero for an area. */
function seriesSvg(series: ChartSeries, frame: PanelFrame, axis: TimeAxis): string {
  const coordinates = seriesCoordinates(series, frame, axis);
  if (coordinates.length === 0) return '';
  const color = escapeXml(series.color);
  const points = coordinates.map(([x, y]) => `${px(x)},${px(y)}`).join(' ');
  const dash = series.dashed === true ? ' stroke-dasharray="5 3"' : '';
  const line = `<polyline points="${points}" fill="none" stroke="${color}" stroke-width="${series.area === true ? 1 : 2}"${dash}/>`;
  if (series.area !== true) return line;
  // Every panel's y range includes zero (see panelTicks).
  const zero = px(frame.y(0));
  const firstX = px(coordinates[0]?.[0] ?? frame.left);
  const lastX = px(coordinates.at(-1)?.[0] ?? frame.left);
  return `<path d="M${firstX},${zero} L${points.replace(/ /g, ' L')} L${lastX},${zero} Z" fill="${color}" fill-opacity="0.35" stroke="none"/>\n${line}`;
}

/** The panel's legend right of the plot: a swatch drawn like the series, then its name. */
function legendSvg(series: readonly ChartSeries[], frame: PanelFrame): string {
  const x = frame.right + 12;
  return series
    .map((entry, index) => {
      const y = frame.top + 8 + index * LEGEND_ROW_HEIGHT;
      const color = escapeXml(entry.color);
      const swatch =
        entry.area === true
          ? `<rect x="${x}" y="${y - 5}" width="24" height="10" fill="${color}" fill-opacity="0.35" stroke="${color}"/>`
          : `<line x1="${x}" y1="${y}" x2="${x + 24}" y2="${y}" stroke="${color}" stroke-width="2"${entry.dashed === true ? ' stroke-dasharray="5 3"' : ''}/>`;
      return `${swatch}<text x="${x + 30}" y="${y + 4}" font-size="11">${escapeXml(entry.name)}</text>`;
    })
    .join('\n');
}
