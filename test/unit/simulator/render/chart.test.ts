import { describe, expect, it } from 'vitest';
import {
  chartSvg,
  escapeXml,
  formatDuration,
  formatTicks,
  niceTicks,
  panelsByGroup,
  timeTicks,
  type ChartPanel,
  type ChartSpec,
} from '#simulator/render/chart';

/** A one-panel chart 60 s long whose plot is x 64..700, y 30..130 (900 wide, 100 high panels). */
const chart = (panel: ChartPanel, extra: Partial<ChartSpec> = {}): string =>
  chartSvg({ title: 'test', durationSeconds: 60, panelHeight: 100, panels: [panel], ...extra });

describe('niceTicks', () => {
  it.each([
    ['48 tasks: steps of 10, the last tick above the data', 0, 48, [0, 10, 20, 30, 40, 50]],
    ['1,234 messages: steps of 500', 0, 1234, [0, 500, 1000, 1500]],
    ['a 300 s target lands on a tick', 0, 300, [0, 100, 200, 300]],
    ['0..1 in fifths, without float noise', 0, 1, [0, 0.2, 0.4, 0.6, 0.8, 1]],
    ['an empty range is widened to 1', 0, 0, [0, 0.2, 0.4, 0.6, 0.8, 1]],
    ['a range across zero keeps zero on a tick', -30, 70, [-40, -20, 0, 20, 40, 60, 80]],
  ])('%s', (_name, min, max, expected) => {
    expect(niceTicks(min, max)).toEqual(expected);
  });

  it('counts (minStep 1) never get half ticks', () => {
    expect(niceTicks(0, 2, 5, 1)).toEqual([0, 1, 2]);
  });
});

describe('timeTicks and formatDuration', () => {
  it.each([
    ['5 minutes: every minute', 300, [0, 60, 120, 180, 240, 300]],
    ['3 hours: every 30 minutes', 10_800, [0, 1800, 3600, 5400, 7200, 9000, 10_800]],
    ['25 s: every 5 s', 25, [0, 5, 10, 15, 20, 25]],
  ])('%s', (_name, duration, expected) => {
    expect(timeTicks(duration)).toEqual(expected);
  });

  it.each([
    [0, '0'],
    [45, '45s'],
    [90, '1m30s'],
    [3600, '1h'],
    [5400, '1h30m'],
    [172_800, '2d'],
  ])('%i s reads %s', (seconds, expected) => {
    expect(formatDuration(seconds)).toBe(expected);
  });
});

describe('formatTicks', () => {
  it.each([
    ['thousands separated below 10,000', [0, 500, 1000, 1500], ['0', '500', '1,000', '1,500']],
    ['k from 10,000', [0, 5000, 10_000, 15_000], ['0', '5k', '10k', '15k']],
    ['M from 1,000,000, decimals as the step needs', [0, 500_000, 1_000_000, 1_500_000], ['0', '0.5M', '1.0M', '1.5M']],
    ['fractions', [0, 0.2, 0.4], ['0', '0.2', '0.4']],
  ])('%s', (_name, ticks, expected) => {
    expect(formatTicks(ticks)).toEqual(expected);
  });
});

describe('escapeXml', () => {
  it('escapes the five XML specials', () => {
    expect(escapeXml(`a<b & "c" 'd'>`)).toBe('a&lt;b &amp; &quot;c&quot; &#39;d&#39;&gt;');
  });
});

describe('chartSvg', () => {
  it('is one <svg class="chart"> with the id, the escaped title and round y tick labels', () => {
    const svg = chart(
      { yLabel: 'tasks', series: [{ name: 'ours', color: '#1b7f3b', points: [{ x: 0, y: 48 }] }] },
      { id: 'tasks', title: 'a <b>' },
    );
    expect(svg.startsWith('<svg class="chart" data-chart="tasks" ')).toBe(true);
    expect(svg).toContain('aria-label="a &lt;b&gt;"');
    const labels = [...svg.matchAll(/text-anchor="end" dominant-baseline="middle">([^<]*)</g)].map((m) => m[1]);
    expect(labels).toEqual(['0', '10', '20', '30', '40', '50']);
    expect(svg).toContain('>time since start<');
  });

  it('escapes series names in the legend', () => {
    const svg = chart({ yLabel: 'lag', series: [{ name: '<script>"x"', color: '#333', points: [{ x: 0, y: 1 }] }] });
    expect(svg).toContain('&lt;script&gt;&quot;x&quot;');
    expect(svg).not.toContain('<script');
  });

  it('no series: the axes on 0..1 and "no data"', () => {
    const svg = chart({ yLabel: 'lag', series: [] });
    expect(svg).toContain('>no data<');
    expect(svg).not.toContain('<polyline');
    expect(svg).toContain('>1.0<');
  });

  it('a series without points is in the legend but draws no line', () => {
    const svg = chart({ yLabel: 'lag', series: [{ name: 'empty', color: '#333', points: [] }] });
    expect(svg).toContain('>empty<');
    expect(svg).not.toContain('<polyline');
  });

  it('a threshold above the data stretches the scale to it: 300 s is the top tick, at the top of the plot', () => {
    const svg = chart({
      yLabel: 'seconds',
      series: [{ name: 'time lag', color: '#333', points: [{ x: 0, y: 120 }] }],
      threshold: { y: 300, label: 'drain target 300 s' },
    });
    expect(svg).toContain('<line x1="64" y1="30.0" x2="700" y2="30.0" stroke="#888" stroke-dasharray="2 3"/>');
    expect(svg).toContain('>drain target 300 s<');
  });

  it('a step line holds the value until the next point; dashed lines are dashed', () => {
    const svg = chart({
      yLabel: 'tasks',
      series: [
        {
          name: 'desired',
          color: '#333',
          step: true,
          dashed: true,
          points: [
            { x: 0, y: 1 },
            { x: 60, y: 3 },
          ],
        },
      ],
    });
    // Ticks 0..3: y(1) = 130 - 100 / 3, y(3) = 30.
    expect(svg).toContain(
      'points="64.0,96.7 700.0,96.7 700.0,30.0" fill="none" stroke="#333" stroke-width="2" stroke-dasharray="5 3"',
    );
  });

  it('an area fills down to zero; points past the end are clamped to the axis', () => {
    const svg = chart({
      yLabel: 'lag',
      series: [
        {
          name: 'lag',
          color: '#5b7fb8',
          area: true,
          points: [
            { x: 0, y: 1 },
            { x: 600, y: 1 },
          ],
        },
      ],
    });
    expect(svg).toContain('<path d="M64.0,130.0 L64.0,30.0 L700.0,30.0 L700.0,130.0 Z"');
  });

  it('a band is shaded across the plot and labelled', () => {
    const svg = chart({ yLabel: 'lag', series: [] }, { bands: [{ fromSeconds: 10, toSeconds: 20, label: 'burst' }] });
    // x(10) = 64 + 636 / 6 = 170, x(20) = 276.
    expect(svg).toContain('<rect x="170.0" y="30.0" width="106.0" height="100.0" fill="#f5b041"');
    expect(svg).toContain('>burst<');
  });
});

describe('panelsByGroup (small multiples)', () => {
  const panel: ChartPanel = {
    yLabel: 'tasks',
    threshold: { y: 1, label: 'min' },
    series: [
      { name: 'keda', group: 'keda', color: '#c0392b', points: [{ x: 0, y: 48 }] },
      { name: 'ours', group: 'ours', color: '#1b7f3b', points: [{ x: 0, y: 2 }] },
      { name: 'keda needed', group: 'keda', color: '#555', points: [{ x: 0, y: 3 }] },
    ],
  };

  it('one panel per group in order of first appearance, titled by the group, keeping unit and threshold', () => {
    const panels = panelsByGroup(panel);
    expect(panels.map((p) => [p.title, p.series.map((s) => s.name), p.yLabel, p.threshold?.y])).toEqual([
      ['keda', ['keda', 'keda needed'], 'tasks', 1],
      ['ours', ['ours'], 'tasks', 1],
    ]);
  });

  it('each panel has its own y-scale: 48 does not squeeze 2', () => {
    const svg = chartSvg({ title: 't', durationSeconds: 60, panels: panelsByGroup(panel) });
    const labels = [...svg.matchAll(/text-anchor="end" dominant-baseline="middle">([^<]*)</g)].map((m) => m[1]);
    expect(labels).toEqual(['0', '10', '20', '30', '40', '50', '0', '0.5', '1.0', '1.5', '2.0']);
    expect(svg).toContain('>keda<');
    expect(svg).toContain('>ours<');
  });

  it('ungrouped series stay in one panel with the original title', () => {
    expect(panelsByGroup({ ...panel, title: 'all', series: [{ name: 'a', color: '#333', points: [] }] })).toEqual([
      { ...panel, title: 'all', series: [{ name: 'a', color: '#333', points: [] }] },
    ]);
  });
});
