import { describe, expect, it } from 'vitest';
import { notableDecisions, runCharts, runReportHtml, type RunReportData } from '#local/report';
import { hold, sample, scale } from '#support/builders/local';

describe('run report', () => {
  const samples = [
    sample(0),
    sample(5),
    sample(10, { lag: 3000, timeLagSeconds: 8, decision: scale(1, 4), outcome: 'acted', desired: 4 }),
    sample(15, { decision: hold(4, 'scale-out-cooldown'), desired: 4, running: 4 }),
    sample(20, { decision: hold(4, 'scale-out-cooldown'), desired: 4, running: 4 }),
  ];

  it('lists every scale decision and each change of rule', () => {
    expect(notableDecisions(samples).map((s) => s.atMs / 1000)).toEqual([0, 10, 15]);
  });

  it('is one page with the three charts, the decisions and the reaction', () => {
    const html = runReportHtml({
      title: 'run <1>',
      startedAtMs: 0,
      endedAtMs: 25_000,
      samples,
      reactions: [],
      events: [],
      burst: { startSeconds: 5, endSeconds: 15 },
      lagTargetSeconds: 5,
      settings: { profile: 'calm' },
    });
    expect(html).toContain('<title>run &lt;1&gt;</title>');
    expect(html.match(/<svg class="chart"/g)).toHaveLength(3);
    for (const id of ['lag', 'time-lag', 'tasks']) expect(html).toContain(`data-chart="${id}"`);
    expect(html).toContain('scale out 1 -&gt; 4 (drain-target, drain 12 s)');
    expect(html).toContain('lag target');
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
  });

  const data: RunReportData = {
    title: 'run',
    startedAtMs: 0,
    endedAtMs: 25_000,
    samples: [...samples, sample(5, { target: 'payments', desired: 2, running: 2 })],
    reactions: [],
    events: [
      { atMs: 1_500, service: 'billing', pid: 42, kind: 'started', detail: '' },
      { atMs: 3_250, service: 'billing', pid: 42, kind: 'ready', detail: 'joined <group>' },
    ],
    burst: { startSeconds: 5, endSeconds: 15 },
    lagTargetSeconds: 5,
    settings: { profile: 'calm & quiet' },
  };

  it('charts: the burst shaded on each, the lag target on the time lag, one tasks panel per target', () => {
    const [lag, timeLag, tasks] = runCharts(data);
    for (const chart of [lag, timeLag, tasks])
      expect(chart?.bands).toEqual([{ fromSeconds: 5, toSeconds: 15, label: 'burst' }]);
    expect(timeLag?.panels[0]?.threshold).toEqual({ y: 5, label: 'lag target 5 s' });
    expect(tasks?.panels.map((panel) => [panel.title, panel.series.map((s) => s.name)])).toEqual([
      ['billing', ['billing running', 'billing desired']],
      ['payments', ['payments running', 'payments desired']],
    ]);
    expect(lag?.panels[0]?.series[0]?.points.slice(0, 3)).toEqual([
      { x: 0, y: 0 },
      { x: 5, y: 0 },
      { x: 10, y: 3000 },
    ]);
  });

  it('tables: processes without started/stopping, settings escaped', () => {
    const html = runReportHtml(data);
    expect(html).toContain(
      '<tr><td>3.3 s</td><td>billing</td><td>42</td><td>ready</td><td>joined &lt;group&gt;</td></tr>',
    );
    expect(html).not.toContain('<td>started</td>');
    expect(html).toContain('<tr><th>profile</th><td>calm &amp; quiet</td></tr>');
  });
});
