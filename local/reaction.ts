/**
 * The measured reaction to a burst, per target: burst start -> scale-out decision -> the new
 * consumers consuming -> lag back under the target. Pure: samples and task-ready times in,
 * seconds out.
 */
import type { TargetSample } from './samples';

export interface ReactionInput {
  /** One target's samples, oldest first. */
  readonly samples: readonly TargetSample[];
  readonly burstStartMs: number;
  /** Time lag (seconds) the group should stay under. */
  readonly lagTargetSeconds: number;
  /** When each of the service's tasks joined its group (epoch ms), if known: sharper than the tick samples. */
  readonly taskReadyAtMs?: readonly number[];
  /** The bar: decide within one poll of the crossing, drain within the drain target. */
  readonly criteria?: { readonly pollIntervalSeconds: number; readonly drainTargetSeconds: number };
}

/** Moments (epoch ms) and the seconds between them; a moment that never came is undefined. */
export interface Reaction {
  readonly target: string;
  readonly burstStartMs: number;
  /** First sample after the burst start whose time lag exceeds the target. */
  readonly lagCrossedAtMs: number | undefined;
  readonly scaleOut:
    { readonly atMs: number; readonly from: number; readonly to: number; readonly rule: string } | undefined;
  /** When every task the scale-out added had joined (and the group was stable in a sample). */
  readonly consumingAtMs: number | undefined;
  /**
   * First sample with time lag at or under the target after the consumers joined and after the time
   * lag crossed the target (when it did).
   */
  readonly underTargetAtMs: number | undefined;
  /** Every stretch above the target after the burst started, not only the first crossing. */
  readonly aboveTarget: { readonly seconds: number; readonly crossings: number };
  readonly seconds: {
    readonly burstToDecision: number | undefined;
    /** Negative when the scaler acted before the lag crossed the target. */
    readonly crossingToDecision: number | undefined;
    readonly decisionToConsuming: number | undefined;
    readonly consumingToUnderTarget: number | undefined;
    readonly burstToUnderTarget: number | undefined;
  };
  /** Against `criteria`; undefined when not given or when the step never happened. */
  readonly checks: {
    /** Scale-out decided at most one poll interval after the time lag crossed the target (or before it). */
    readonly decidedWithinOnePoll: boolean | undefined;
    /** Lag back under the target within the drain target after the new consumers joined. */
    readonly drainedWithinDrainTarget: boolean | undefined;
    /** In all, no longer above the target than the drain target (every stretch counted). */
    readonly aboveTargetWithinDrainTarget: boolean | undefined;
  };
}

/**
 * Seconds the time lag spent above the target from `fromMs` on, summed over every stretch (each
 * sample above the target counts until the next sample), and how many stretches there were.
 */
export function timeAboveTarget(
  samples: readonly TargetSample[],
  fromMs: number,
  lagTargetSeconds: number,
): { seconds: number; crossings: number } {
  const after = samples.filter((s) => s.atMs >= fromMs);
  let seconds = 0;
  let crossings = 0;
  after.forEach((sample, index) => {
    const above = (sample.timeLagSeconds ?? 0) > lagTargetSeconds;
    const wasAbove = index > 0 && (after[index - 1]?.timeLagSeconds ?? 0) > lagTargetSeconds;
    if (above && !wasAbove) crossings += 1;
    const next = after[index + 1];
    if (above && next !== undefined) seconds += (next.atMs - sample.atMs) / 1000;
  });
  return { seconds: Math.round(seconds * 10) / 10, crossings };
}

const between = (from: number | undefined, to: number | undefined): number | undefined =>
  from === undefined || to === undefined ? undefined : Math.round((to - from) / 100) / 10;

/** Computes the reaction of one target; see {@link Reaction}. */
export function measureReaction(input: ReactionInput): Reaction {
  const { samples, burstStartMs, lagTargetSeconds } = input;
  const after = samples.filter((s) => s.atMs >= burstStartMs);
  const lagCrossedAtMs = after.find((s) => (s.timeLagSeconds ?? 0) > lagTargetSeconds)?.atMs;
  const decisionSample = after.find(
    (s) => s.decision?.kind === 'scale' && s.decision.direction === 'out' && s.outcome !== 'conflict',
  );
  const decision = decisionSample?.decision;
  const scaleOut =
    decisionSample !== undefined && decision?.kind === 'scale'
      ? { atMs: decisionSample.atMs, from: decision.from, to: decision.to, rule: decision.rule }
      : undefined;

  let consumingAtMs: number | undefined;
  if (scaleOut) {
    const added = scaleOut.to - scaleOut.from;
    const joined = (input.taskReadyAtMs ?? []).filter((t) => t >= scaleOut.atMs).sort((a, b) => a - b);
    const stable = samples.find(
      (s) => s.atMs >= scaleOut.atMs && (s.members ?? 0) >= scaleOut.to && s.groupState === 'Stable',
    );
    // The task events say when the last new task joined; without them, the first stable sample.
    consumingAtMs = joined.length >= added ? joined[added - 1] : stable?.atMs;
  }
  // "Back under" means after it was over: from the later of the joins and the crossing.
  const searchFromMs =
    consumingAtMs === undefined
      ? undefined
      : lagCrossedAtMs === undefined
        ? consumingAtMs
        : Math.max(consumingAtMs, lagCrossedAtMs + 1);
  const underTargetAtMs =
    searchFromMs === undefined
      ? undefined
      : samples.find(
          (s) => s.atMs >= searchFromMs && s.timeLagSeconds !== undefined && s.timeLagSeconds <= lagTargetSeconds,
        )?.atMs;
  const seconds = {
    burstToDecision: between(burstStartMs, scaleOut?.atMs),
    crossingToDecision: between(lagCrossedAtMs, scaleOut?.atMs),
    decisionToConsuming: between(scaleOut?.atMs, consumingAtMs),
    consumingToUnderTarget: between(consumingAtMs, underTargetAtMs),
    burstToUnderTarget: between(burstStartMs, underTargetAtMs),
  };
  const criteria = input.criteria;
  const crossing = seconds.crossingToDecision;
  const aboveTarget = timeAboveTarget(samples, burstStartMs, lagTargetSeconds);
  return {
    target: samples[0]?.target ?? '',
    burstStartMs,
    lagCrossedAtMs,
    scaleOut,
    consumingAtMs,
    underTargetAtMs,
    aboveTarget,
    seconds,
    checks: {
      decidedWithinOnePoll:
        criteria === undefined || scaleOut === undefined
          ? undefined
          : crossing === undefined || crossing <= criteria.pollIntervalSeconds,
      drainedWithinDrainTarget:
        criteria === undefined || seconds.consumingToUnderTarget === undefined
          ? undefined
          : seconds.consumingToUnderTarget <= criteria.drainTargetSeconds,
      aboveTargetWithinDrainTarget:
        criteria === undefined ? undefined : aboveTarget.seconds <= criteria.drainTargetSeconds,
    },
  };
}

function crossing(seconds: number | undefined): string {
  if (seconds === undefined) return 'time lag never crossed the target';
  return seconds < 0
    ? `decided ${(-seconds).toFixed(1)} s before the time lag crossed the target`
    : `decided ${seconds.toFixed(1)} s after the time lag crossed the target`;
}

/** One line per reaction, for the terminal and the README. */
export function formatReaction(reaction: Reaction): string {
  const s = reaction.seconds;
  const fmt = (v: number | undefined) => (v === undefined ? 'n/a' : `${v.toFixed(1)} s`);
  const step = reaction.scaleOut
    ? `${reaction.scaleOut.from}->${reaction.scaleOut.to} (${reaction.scaleOut.rule})`
    : 'no scale-out';
  const check = (name: string, ok: boolean | undefined) =>
    ok === undefined ? '' : `; ${ok ? 'PASS' : 'FAIL'} ${name}`;
  const checks = `${check('decided within one poll of the crossing', reaction.checks.decidedWithinOnePoll)}${check('drained within the drain target', reaction.checks.drainedWithinDrainTarget)}${check('above the target no longer than the drain target in all', reaction.checks.aboveTargetWithinDrainTarget)}`;
  const above = `above the target ${reaction.aboveTarget.seconds.toFixed(1)} s in ${reaction.aboveTarget.crossings} stretch(es)`;
  return `${reaction.target}: burst -> decision ${fmt(s.burstToDecision)} [${step}; ${crossing(s.crossingToDecision)}], decision -> consuming ${fmt(s.decisionToConsuming)}, consuming -> lag under target ${fmt(s.consumingToUnderTarget)}, burst -> under target ${fmt(s.burstToUnderTarget)}, ${above}${checks}`;
}
