import { describe, expect, it } from 'vitest';
import { formatReaction, measureReaction } from '#local/reaction';
import { hold, sample, scale } from '#support/builders/local';

describe('measureReaction', () => {
  // Burst at 30 s; the time lag crosses 5 s at 40 s; the scaler decides 1 -> 4 at 35 s; the three
  // new tasks join at 37-38 s; the lag is back under 5 s at 50 s.
  const samples = [
    sample(25),
    sample(30),
    sample(35, { timeLagSeconds: 3, decision: scale(1, 4), outcome: 'acted', desired: 4 }),
    sample(40, { timeLagSeconds: 8, desired: 4, running: 4, members: 4, decision: hold(4, 'scale-out-cooldown') }),
    sample(45, { timeLagSeconds: 6, desired: 4, running: 4, members: 4, decision: hold(4) }),
    sample(50, { timeLagSeconds: 2, desired: 4, running: 4, members: 4, decision: hold(4) }),
  ];

  it('measures every step in seconds from the task events', () => {
    const reaction = measureReaction({
      samples,
      burstStartMs: 30_000,
      lagTargetSeconds: 5,
      taskReadyAtMs: [1_000, 37_000, 38_000, 37_500],
      criteria: { pollIntervalSeconds: 5, drainTargetSeconds: 10 },
    });
    expect(reaction.scaleOut).toEqual({ atMs: 35_000, from: 1, to: 4, rule: 'drain-target' });
    expect(reaction.seconds).toEqual({
      burstToDecision: 5,
      crossingToDecision: -5,
      decisionToConsuming: 3,
      consumingToUnderTarget: 12,
      burstToUnderTarget: 20,
    });
    expect(formatReaction(reaction)).toContain('decided 5.0 s before the time lag crossed the target');
    // Decided before the crossing (within one poll); drained in 12 s, over a 10 s drain target.
    expect(reaction.checks).toEqual({
      decidedWithinOnePoll: true,
      drainedWithinDrainTarget: false,
      aboveTargetWithinDrainTarget: true,
    });
    // Above 5 s at the 40 s and 45 s samples: 10 s in one stretch.
    expect(reaction.aboveTarget).toEqual({ seconds: 10, crossings: 1 });
    expect(formatReaction(reaction)).toMatch(/PASS decided within one poll.*FAIL drained within the drain target/);
  });

  it('falls back to the first stable sample with every member when there are no task events', () => {
    const reaction = measureReaction({ samples, burstStartMs: 30_000, lagTargetSeconds: 5 });
    expect(reaction.consumingAtMs).toBe(40_000);
    expect(reaction.underTargetAtMs).toBe(50_000);
  });

  it('counts "back under the target" only after the time lag was over it', () => {
    // Decided and joined before the time lag crossed the target at 40 s: under again at 50 s.
    const reaction = measureReaction({
      samples,
      burstStartMs: 30_000,
      lagTargetSeconds: 5,
      taskReadyAtMs: [36_000, 36_000, 36_000],
    });
    expect(reaction.consumingAtMs).toBe(36_000);
    expect(reaction.underTargetAtMs).toBe(50_000);
  });

  it('leaves out what never happened', () => {
    const reaction = measureReaction({ samples: [sample(0), sample(5)], burstStartMs: 0, lagTargetSeconds: 5 });
    expect(reaction.scaleOut).toBeUndefined();
    expect(reaction.seconds.burstToUnderTarget).toBeUndefined();
    expect(formatReaction(reaction)).toContain('no scale-out');
    expect(reaction.checks).toEqual({ decidedWithinOnePoll: undefined, drainedWithinDrainTarget: undefined });
  });

  it('ignores a scale-out decided before the burst', () => {
    const early = [sample(0, { decision: scale(1, 2), outcome: 'acted' }), ...samples];
    expect(measureReaction({ samples: early, burstStartMs: 30_000, lagTargetSeconds: 5 }).scaleOut?.atMs).toBe(35_000);
  });

  it('counts every stretch above the target, not only the first crossing', () => {
    // A second stretch after the group was back under: the demo's "PASS while above the target" case.
    const twice = [
      ...samples,
      sample(55, { timeLagSeconds: 9, desired: 4, running: 4, members: 4, decision: hold(4) }),
      sample(60, { timeLagSeconds: 9, desired: 4, running: 4, members: 4, decision: hold(4) }),
      sample(65, { timeLagSeconds: 1, desired: 4, running: 4, members: 4, decision: hold(4) }),
    ];
    const reaction = measureReaction({
      samples: twice,
      burstStartMs: 30_000,
      lagTargetSeconds: 5,
      criteria: { pollIntervalSeconds: 5, drainTargetSeconds: 15 },
    });
    expect(reaction.aboveTarget).toEqual({ seconds: 20, crossings: 2 });
    expect(reaction.checks.aboveTargetWithinDrainTarget).toBe(false);
    expect(formatReaction(reaction)).toMatch(/above the target 20\.0 s in 2 stretch\(es\).*FAIL above the target/);
  });
});
