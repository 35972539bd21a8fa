import { describe, expect, it } from 'vitest';
import { htmlReport, runChart, simulate, type SimulationResult } from '#simulator/index';
import { constantTrace, scriptedPolicy } from '#support/builders/simulator';

const run = (overrides: Partial<SimulationResult> = {}): SimulationResult => ({
  ...simulate(constantTrace({ rate: 300, minutes: 10 }), scriptedPolicy([[60, 3]])),
  ...overrides,
});

describe('runChart', () => {
  it('three panels on their own scales: tasks (whole numbers), lag, time lag against the drain target', () => {
    const spec = runChart(run());
    expect(spec.panels.map((panel) => [panel.title, panel.yLabel])).toEqual([
      ['tasks', 'tasks'],
      ['lag', 'messages'],
      ['time lag', 'seconds'],
    ]);
    expect(spec.panels[0]?.wholeNumbers).toBe(true);
    expect(spec.panels[0]?.series.map((series) => [series.name, series.step ?? false, series.dashed ?? false])).toEqual(
      [
        ['tasks (billed)', true, false],
        ['needed to keep up', false, true],
      ],
    );
    expect(spec.panels[2]?.threshold).toEqual({ y: 300, label: 'drain target 300 s' });
    expect(spec.durationSeconds).toBe(600);
  });

  it('one point per series sample, x in seconds', () => {
    const result = run();
    const tasks = runChart(result).panels[0]?.series[0]?.points ?? [];
    expect(tasks).toHaveLength(result.series.length);
    expect(tasks[2]).toEqual({ x: 60, y: result.series[2]?.tasks });
  });

  it('stuck lag only when a partition is poisoned; no threshold for a result without its target', () => {
    const spec = runChart(run({ drainTargetSeconds: undefined }));
    expect(spec.panels[1]?.series.map((series) => series.name)).toEqual(['drainable lag']);
    expect(spec.panels[2]?.threshold).toBeUndefined();
    const poisoned = simulate(
      constantTrace({ minutes: 5, poisoned: [{ topic: 'orders', partition: 0, fromSecond: 0 }] }),
      scriptedPolicy([]),
    );
    expect(runChart(poisoned).panels[1]?.series.map((series) => series.name)).toEqual([
      'drainable lag',
      'stuck lag (poisoned)',
    ]);
  });
});

describe('htmlReport', () => {
  it('a section per trace with its escaped name, a chart per run, no scripts or external links', () => {
    const html = htmlReport([[run({ trace: 'a & b' }), run({ trace: 'a & b', policy: 'keda' })]], 'heading');
    expect(html).toContain('<h2>a &amp; b</h2>');
    expect(html.match(/<svg class="chart"/g)).toHaveLength(2);
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
  });
});
