/**
 * The end of a local run, on every way out: stop the producer and the consumer processes, measure
 * the reaction to the burst, keep the samples, write the report and print a summary.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { targetId } from '#domain/config/scaler-config';
import { describeError } from '#domain/errors';
import { consumerStopTimeoutMs } from './consumer-processes';
import { burstOf, profileSeconds } from './load-profile';
import { formatReaction, measureReaction, type Reaction } from './reaction';
import { writeRunReport } from './report';
import type { SessionResult } from './session';
import type { SessionRun } from './session-run';

/** Stops what runs, writes the samples and the report, prints the summary; see {@link SessionResult}. */
export async function finishRun(run: SessionRun): Promise<SessionResult> {
  const endedAtMs = Date.now();
  await stopEverything(run);
  const reactions = burstReactions(run);
  // The raw samples stay with the run, so reactions can be recomputed with another target.
  writeFileSync(join(run.directory, 'samples.json'), `${JSON.stringify(run.samples)}\n`);
  const reportPath = run.samples.length > 0 ? writeReport(run, endedAtMs, reactions) : undefined;
  printSummary(run, reactions, reportPath);
  return {
    reportPath,
    reactions,
    samples: run.samples,
    pids: run.processes?.pids() ?? [],
    ticks: run.ticks,
    partitions: run.partitions,
  };
}

/** The producer first (no new load), then every consumer process, then the reader's connection. */
async function stopEverything(run: SessionRun): Promise<void> {
  const { say } = run;
  if (run.producer) {
    say('stopping the producer...');
    await run.producer.stop().catch((error: unknown) => say(`producer: ${describeError(error)}`));
    run.producer = undefined;
  }
  if (run.processes) {
    const live = run.processes.view().reduce((n, s) => n + s.tasks.length, 0);
    say(`stopping ${live} consumer process(es) (SIGTERM, then SIGKILL after ${consumerStopTimeoutMs / 1000} s)...`);
    await run.processes.stopAll();
  }
  await run.reader.close().catch(() => undefined);
}

/** When the load profile's burst began (epoch ms), if the run produced load with a burst. */
export function burstStartMs(run: SessionRun): number | undefined {
  const burst = run.options.load ? burstOf(run.options.load.profile) : undefined;
  return burst && run.loadStartedAtMs !== undefined ? run.loadStartedAtMs + burst.startSeconds * 1000 : undefined;
}

/** Per target, its reaction to the burst (none without one). */
export function burstReactions(run: SessionRun): Reaction[] {
  const startMs = burstStartMs(run);
  if (startMs === undefined) return [];
  const { options, processes } = run;
  return options.config.targets.map((t) =>
    measureReaction({
      samples: run.samples.filter((s) => s.target === targetId(t)),
      burstStartMs: startMs,
      lagTargetSeconds: options.lagTargetSeconds,
      criteria: { pollIntervalSeconds: options.intervalSeconds, drainTargetSeconds: t.policy.drainTargetSeconds },
      taskReadyAtMs: processes
        ?.taskEvents()
        .filter((e) => e.kind === 'ready' && e.service === t.service.service)
        .map((e) => e.atMs),
    }),
  );
}

/** The burst in seconds from the run's start (the load starts a little after the processes). */
export function reportBurst(
  run: SessionRun,
): { readonly startSeconds: number; readonly endSeconds: number } | undefined {
  const burst = run.options.load ? burstOf(run.options.load.profile) : undefined;
  if (!burst) return undefined;
  const offsetSeconds = ((run.loadStartedAtMs ?? run.startedAtMs) - run.startedAtMs) / 1000;
  return { startSeconds: burst.startSeconds + offsetSeconds, endSeconds: burst.endSeconds + offsetSeconds };
}

/** Writes the HTML report and returns its path. */
function writeReport(run: SessionRun, endedAtMs: number, reactions: readonly Reaction[]): string {
  const { options } = run;
  return writeRunReport(options.reportDirectory, {
    title: options.title,
    startedAtMs: run.startedAtMs,
    endedAtMs,
    samples: run.samples,
    reactions,
    events: run.processes?.taskEvents() ?? [],
    burst: reportBurst(run),
    lagTargetSeconds: options.lagTargetSeconds,
    settings: {
      ...options.settings,
      ...(options.load ? { 'profile length': `${profileSeconds(options.load.profile)} s` } : {}),
      'run directory (logs, state, metrics)': run.directory,
    },
  });
}

/** The reactions, where the report is, where the logs are. */
function printSummary(run: SessionRun, reactions: readonly Reaction[], reportPath: string | undefined): void {
  const { say } = run;
  say('');
  if (reactions.length > 0) {
    say(`reaction to the burst (lag target ${run.options.lagTargetSeconds} s of time lag):`);
    for (const reaction of reactions) say(`  ${formatReaction(reaction)}`);
  }
  say(reportPath ? `report: ${reportPath}` : 'no tick completed: no report written');
  say(`logs, state and metrics: ${run.directory}`);
}
