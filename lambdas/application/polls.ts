/**
 * The scaler's one tick loop: `runTick` now, then again every interval (measured start to start,
 * like a schedule) until the caller says stop. The Lambda uses it for sub-minute polls inside one
 * invocation (`runPolls`); local mode runs it until its abort signal.
 */
import type { ScalerConfig } from '../domain/config/scaler-config';
import { runTick, type TickDependencies, type TickReport } from './tick';

export interface TickLoopOptions {
  readonly config: ScalerConfig;
  readonly deps: TickDependencies;
  /** From one tick's start to the next's; a tick that takes longer is followed at once. */
  readonly intervalMs: number;
  /**
   * Asked after each tick, with the next tick's planned start: false ends the loop (the Lambda's
   * time budget). Absent: the loop runs until the signal.
   */
  readonly shouldContinue?: (lastReport: TickReport, nextStartMs: number) => boolean;
  /**
   * Ends the loop before the next tick and cuts the wait short; a tick in progress finishes first
   * (it may be acting on a service).
   */
  readonly signal?: AbortSignal;
  /** Waits between ticks. @default a timer that the signal cuts short */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** After each tick, with its report; a throw here ends the loop. */
  readonly onTick?: (report: TickReport) => void | Promise<void>;
}

/**
 * Runs ticks until `shouldContinue` says no or the signal aborts, and returns how many ran. A tick
 * never throws for a target's fault (`runTick` isolates them).
 */
export async function runTickLoop(options: TickLoopOptions): Promise<number> {
  const { config, deps, intervalMs, signal } = options;
  const sleep = options.sleep ?? sleepUnlessAborted;
  let ticks = 0;
  while (!signal?.aborted) {
    const report = await runTick(config, deps);
    ticks += 1;
    await options.onTick?.(report);
    const nextStartMs = report.startedAtMs + intervalMs;
    if (options.shouldContinue && !options.shouldContinue(report, nextStartMs)) break;
    const waitMs = nextStartMs - deps.clock.now();
    if (waitMs > 0) await sleep(waitMs, signal);
  }
  return ticks;
}

/** Resolves after `ms`, or at once when the signal aborts (or has aborted). */
export function sleepUnlessAborted(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * EventBridge schedules fire at most once a minute; with pollIntervalSeconds > 0 one invocation
 * ticks again every interval while enough time remains (KEDA polls every 30 s).
 */
export async function runPolls(
  config: ScalerConfig,
  deps: TickDependencies,
  options: { remainingMs: () => number; sleep?: (ms: number) => Promise<void> },
): Promise<TickReport[]> {
  const intervalMs = config.pollIntervalSeconds * 1000;
  const reports: TickReport[] = [];
  await runTickLoop({
    config,
    deps,
    intervalMs,
    sleep: options.sleep,
    onTick: (report) => void reports.push(report),
    shouldContinue: (lastReport, nextStartMs) => {
      if (intervalMs === 0) return false;
      // Leave room for one more tick of the duration just seen, plus a margin, before the timeout.
      const remainingAtNextStartMs = options.remainingMs() - Math.max(nextStartMs - deps.clock.now(), 0);
      return remainingAtNextStartMs >= lastReport.durationMs * 2 + 5_000;
    },
  });
  return reports;
}
