import { describe, expect, it } from 'vitest';
import { describeDecision, redraw, renderFrame, renderLine, type ViewState } from '#local/view';
import { hold, sample, scale } from '#support/builders/local';

const state = (extra: Partial<ViewState> = {}): ViewState => ({
  title: 'lagscaler local run',
  nowMs: 65_000,
  startedAtMs: 0,
  durationSeconds: 200,
  load: { phase: 'burst', ratePerSecond: 600, produced: 12_345 },
  tick: 13,
  kafkaError: undefined,
  samples: [
    sample(60, {
      lag: 2163,
      timeLagSeconds: 3.9,
      productionRate: 600,
      consumptionRate: 190,
      desired: 4,
      running: 1,
      members: 1,
      groupState: 'PreparingRebalance',
      partitionsPerMember: [12],
      outcome: 'acted',
      decision: scale(1, 4),
    }),
  ],
  services: [
    {
      service: 'billing',
      desired: 4,
      tasks: [
        { pid: 10, state: 'running', startedAtMs: 0, readyAtMs: 2000, processed: 100, partitions: [] },
        { pid: 11, state: 'pending', startedAtMs: 60_000, readyAtMs: undefined, processed: 0, partitions: [] },
      ],
      consecutiveFailures: 1,
      lastFailure: 'crashed on start: exit 2',
      retryAtMs: 67_000,
    },
  ],
  serviceOf: () => 'billing',
  events: [{ atMs: 61_000, service: 'billing', pid: 12, kind: 'crashed-on-start', detail: 'exit 2; retry in 2 s' }],
  dryRun: false,
  ...extra,
});

describe('live view', () => {
  it('shows per group lag, time lag, rates, health, tasks, partitions per member, group state and the decision', () => {
    const frame = renderFrame(state());
    expect(frame).toContain('1:05 / 3:20');
    expect(frame).toContain('phase burst at 600 rec/s');
    expect(frame).toMatch(/== billing +health OK +group PreparingRebalance/);
    expect(frame).toContain('lag 2163 msgs   time lag 3.9 s   produced 600/s   consumed 190/s');
    expect(frame).toContain('tasks desired 4 running 1   members 1   partitions per member [12] of 12');
    expect(frame).toContain('processes: 1 up, 1 starting, 0 stopping');
    expect(frame).toContain('FAILED STARTS 1, retry in 2 s: crashed on start: exit 2');
    expect(frame).toContain(
      'last decision: scale out 1 -> 4 (drain-target, drain 12 s): drain-target recommends 4 [acted]',
    );
    expect(frame).toContain('billing pid 12 crashed-on-start');
  });

  it('shows a Kafka failure and dry run', () => {
    const frame = renderFrame(state({ kafkaError: 'cannot reach Kafka brokers x:1', dryRun: true }));
    expect(frame).toContain('KAFKA: cannot reach Kafka brokers x:1');
    expect(frame).toContain('DRY RUN');
  });

  it('cuts lines to the terminal width', () => {
    for (const line of renderFrame(state(), 40).split('\n')) expect(line.length).toBeLessThanOrEqual(40);
  });

  it('renders one line per tick when not a terminal', () => {
    expect(renderLine(state())).toBe(
      '[1:05] tick 13 load=burst@600/s | billing: lag=2163 tl=3.9s tasks=1/4 members=1 PreparingRebalance OK acted:drain-target(1->4)',
    );
  });

  it('redraws in place: cursor home and clear, no scrolling', () => {
    expect(redraw('x')).toBe('\u001b[H\u001b[2Jx\n');
  });

  it('describes holds with their rule', () => {
    expect(describeDecision(hold(2, 'settling'))).toBe('hold (settling) at 2');
    expect(describeDecision(undefined)).toBe('-');
  });
});
