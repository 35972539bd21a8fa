/**
 * The middle of a local run: the Lambda's tick loop with local adapters, until the caller's signal
 * or the run's duration ends it; each tick adds one sample per target and draws the view.
 */
import { join } from 'node:path';
import { runTickLoop } from '#application/polls';
import type { TickDependencies, TickReport } from '#application/tick';
import { systemClock } from '#ports/clock';
import type { ServiceCapacity } from '#ports/service-capacity';
import { FileStateStore } from './adapters/file-state-store';
import { sampleTick } from './samples';
import type { SessionRun } from './session-run';
import { showView, startViewTimer } from './session-view';

/** Ticks every interval until the signal or the duration; a tick in progress finishes first. */
export async function tickUntilStopped(run: SessionRun, capacity: ServiceCapacity): Promise<void> {
  const { options } = run;
  const deps = tickDependencies(run, capacity);
  const stop = stopOnSignalOrAfter(options.signal, options.durationSeconds);
  const stopViewTimer = startViewTimer(run);
  try {
    await runTickLoop({
      config: options.config,
      deps,
      intervalMs: options.intervalSeconds * 1000,
      signal: stop.signal,
      onTick: (report) => {
        recordTick(run, report);
        showView(run);
      },
    });
  } finally {
    stop.dispose();
    stopViewTimer();
  }
}

/** The tick's ports: the run's recording reader and metrics, the given capacity, state files in the run directory. */
function tickDependencies(run: SessionRun, capacity: ServiceCapacity): TickDependencies {
  return {
    reader: run.reader,
    capacity,
    store: new FileStateStore(join(run.directory, 'state')),
    metrics: run.metrics,
    clock: systemClock,
    logger: run.logger,
  };
}

/** Keeps what one tick saw: one sample per target (from what the recording adapters kept) and its Kafka error. */
export function recordTick(run: SessionRun, report: TickReport): void {
  run.lastKafkaError = report.kafkaError;
  run.samples.push(
    ...sampleTick(run.options.config, report, run.metrics.latestBatch(), (g) => run.reader.lastSnapshot(g)),
  );
  run.ticks += 1;
}

/**
 * A signal that aborts with `signal` or `durationSeconds` after now (undefined: never);
 * `dispose()` removes the listener and the timer.
 */
export function stopOnSignalOrAfter(
  signal: AbortSignal,
  durationSeconds: number | undefined,
): { readonly signal: AbortSignal; readonly dispose: () => void } {
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  const timer = durationSeconds === undefined ? undefined : setTimeout(onAbort, durationSeconds * 1000);
  return {
    signal: stop.signal,
    dispose: () => {
      if (timer) clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    },
  };
}
