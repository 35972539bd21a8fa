/**
 * The live terminal view of a local run: one block per group, redrawn in place with plain ANSI
 * codes (cursor home + clear), or one line per tick when the output is not a terminal (CI).
 * Rendering is pure (state in, text out) so it is unit-tested.
 */
import type { TargetSample } from './samples';
import type { ScalingDecision } from '#domain/policy/index';
import type { LocalServiceView, TaskEvent } from './adapters/process-service-capacity';

/** Everything one frame shows. */
export interface ViewState {
  readonly title: string;
  readonly nowMs: number;
  readonly startedAtMs: number;
  readonly durationSeconds: number | undefined;
  /** The load profile's current phase and rate, when this run produces load. */
  readonly load: { readonly phase: string; readonly ratePerSecond: number; readonly produced: number } | undefined;
  readonly tick: number;
  readonly kafkaError: string | undefined;
  /** The latest sample of each target. */
  readonly samples: readonly TargetSample[];
  /** Local services by service name (absent when this run manages no processes). */
  readonly services: readonly LocalServiceView[];
  readonly serviceOf: (target: string) => string | undefined;
  readonly events: readonly TaskEvent[];
  readonly dryRun: boolean;
}

const fmt = (value: number | undefined, digits = 0, unit = ''): string =>
  value === undefined ? '-' : `${value.toFixed(digits)}${unit}`;

/** The decision in a few words: what and why. */
export function describeDecision(decision: ScalingDecision | undefined): string {
  if (!decision) return '-';
  const detail = decision.inputs.detail ? `: ${decision.inputs.detail}` : '';
  if (decision.kind === 'hold') return `hold (${decision.rule}) at ${decision.inputs.current}${detail}`;
  const drain =
    decision.inputs.drainSecondsRecommended === undefined
      ? ''
      : `, drain ${decision.inputs.drainSecondsRecommended.toFixed(0)} s`;
  return `scale ${decision.direction} ${decision.from} -> ${decision.to} (${decision.rule}${drain})${decision.dryRun ? ' [dry run]' : ''}${detail}`;
}

function clock(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}

function taskSummary(service: LocalServiceView | undefined, nowMs: number): string {
  if (!service) return '';
  const count = (state: string) => service.tasks.filter((t) => t.state === state).length;
  const parts = [`processes: ${count('running')} up, ${count('pending')} starting, ${count('stopping')} stopping`];
  if (service.consecutiveFailures > 0) {
    const retry =
      service.retryAtMs === undefined ? '' : `, retry in ${Math.ceil((service.retryAtMs - nowMs) / 1000)} s`;
    parts.push(`FAILED STARTS ${service.consecutiveFailures}${retry}: ${service.lastFailure ?? ''}`);
  }
  return parts.join(' | ');
}

/** The whole frame (no escape codes; `redraw` adds them). */
export function renderFrame(state: ViewState, width = 120): string {
  const lines: string[] = [];
  const elapsed = clock(state.nowMs - state.startedAtMs);
  const total = state.durationSeconds === undefined ? '' : ` / ${clock(state.durationSeconds * 1000)}`;
  lines.push(
    `${state.title}   ${elapsed}${total}   tick ${state.tick}${state.dryRun ? '   DRY RUN (no action taken)' : ''}`,
  );
  if (state.load) {
    lines.push(
      `load: phase ${state.load.phase} at ${state.load.ratePerSecond} rec/s, ${state.load.produced} records produced`,
    );
  }
  if (state.kafkaError) lines.push(`KAFKA: ${state.kafkaError}`);
  lines.push('');
  for (const s of state.samples) {
    const service = state.services.find((v) => v.service === state.serviceOf(s.target));
    lines.push(
      `== ${s.group}${s.target !== s.group ? ` (target ${s.target})` : ''}  health ${s.health ?? '-'}  group ${s.groupState ?? '-'}`,
    );
    lines.push(
      `   lag ${fmt(s.lag)} msgs   time lag ${fmt(s.timeLagSeconds, 1, ' s')}   produced ${fmt(s.productionRate, 0, '/s')}   consumed ${fmt(s.consumptionRate, 0, '/s')}`,
    );
    const spread = s.partitionsPerMember.length === 0 ? '-' : s.partitionsPerMember.join(' ');
    lines.push(
      `   tasks desired ${fmt(s.desired)} running ${fmt(s.running)}   members ${fmt(s.members)}   partitions per member [${spread}] of ${fmt(s.partitions)}`,
    );
    const summary = taskSummary(service, state.nowMs);
    if (summary) lines.push(`   ${summary}`);
    const outcome = s.outcome === 'held' ? '' : ` [${s.outcome}]`;
    lines.push(`   last decision: ${describeDecision(s.decision)}${outcome}`);
    if (s.error && s.error !== state.kafkaError) lines.push(`   ERROR: ${s.error}`);
    lines.push('');
  }
  if (state.events.length > 0) {
    lines.push('recent process events:');
    for (const e of state.events.slice(-6)) {
      lines.push(`   ${clock(e.atMs - state.startedAtMs)} ${e.service} pid ${e.pid ?? '-'} ${e.kind} ${e.detail}`);
    }
  }
  lines.push('', 'Ctrl-C stops the run, every consumer process, and writes the report.');
  return lines.map((line) => (line.length > width ? `${line.slice(0, width - 1)}…` : line)).join('\n');
}

/** One line per tick for logs and CI. */
export function renderLine(state: ViewState): string {
  const groups = state.samples.map(
    (s) =>
      `${s.group}: lag=${fmt(s.lag)} tl=${fmt(s.timeLagSeconds, 1)}s tasks=${fmt(s.running)}/${fmt(s.desired)} members=${fmt(s.members)} ${s.groupState ?? '-'} ${s.health ?? '-'} ${s.outcome}:${s.decision?.rule ?? '-'}${s.decision?.kind === 'scale' ? `(${s.decision.from}->${s.decision.to})` : ''}`,
  );
  const load = state.load ? ` load=${state.load.phase}@${state.load.ratePerSecond}/s` : '';
  return `[${clock(state.nowMs - state.startedAtMs)}] tick ${state.tick}${load} | ${groups.join(' | ')}${state.kafkaError ? ` | KAFKA: ${state.kafkaError}` : ''}`;
}

/** Cursor home + clear screen, then the frame: redraws in place without a scrolling log. */
export const redraw = (frame: string): string => `\u001b[H\u001b[2J${frame}\n`;
