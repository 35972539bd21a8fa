/**
 * The live view of a running session: its state from the run (the latest sample of each target,
 * the load phase, the processes), drawn after each tick and, on a terminal, every second between
 * ticks so processes starting and stopping show at once.
 */
import { targetId } from '#domain/config/scaler-config';
import { rateAt, type LoadProfile } from './load-profile';
import type { SessionRun } from './session-run';
import { redraw, renderFrame, renderLine, type ViewState } from './view';

/** The name of the phase `elapsedMs` after the load started; 'done' after the last one. */
export function phaseAt(profile: LoadProfile, elapsedMs: number): string {
  let end = 0;
  for (const phase of profile.phases) {
    end += phase.seconds * 1000;
    if (elapsedMs < end) return phase.name;
  }
  return 'done';
}

/** What the view shows of the run at `nowMs`. */
export function viewStateOf(run: SessionRun, nowMs: number): ViewState {
  const { options, processes } = run;
  const { config } = options;
  const latest = config.targets.flatMap((t) => {
    const id = targetId(t);
    const last = run.samples.findLast((s) => s.target === id);
    return last ? [last] : [];
  });
  return {
    title: options.title,
    nowMs,
    startedAtMs: run.startedAtMs,
    durationSeconds: options.durationSeconds,
    load: loadView(run, nowMs),
    tick: run.ticks,
    kafkaError: run.lastKafkaError,
    samples: latest,
    services: processes?.view() ?? [],
    serviceOf: (target) => config.targets.find((t) => targetId(t) === target)?.service.service,
    events: processes?.taskEvents() ?? [],
    dryRun: config.dryRun,
  };
}

/** The load's phase, rate and count so far, while the run produces load. */
function loadView(run: SessionRun, nowMs: number): ViewState['load'] {
  const profile = run.options.load?.profile;
  if (!profile || !run.producer) return undefined;
  const elapsedMs = nowMs - (run.loadStartedAtMs ?? run.startedAtMs);
  return {
    phase: phaseAt(profile, elapsedMs),
    ratePerSecond: rateAt(profile, elapsedMs),
    produced: run.producer.produced(),
  };
}

/** Draws the view once: redrawn in place on a terminal, one line per call otherwise. */
export function showView(run: SessionRun): void {
  const { output } = run.options;
  const state = viewStateOf(run, Date.now());
  output.write(output.isTTY ? redraw(renderFrame(state, process.stdout.columns || 120)) : `${renderLine(state)}\n`);
}

/** On a terminal, redraws the view every second; returns what stops it. */
export function startViewTimer(run: SessionRun): () => void {
  if (!run.options.output.isTTY) return () => undefined;
  const timer = setInterval(() => showView(run), 1000);
  return () => clearInterval(timer);
}
