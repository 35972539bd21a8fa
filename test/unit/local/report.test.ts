import { describe, expect, it } from 'vitest';
import { notableDecisions, runReportHtml } from '#local/report';
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
});
