import type { ScalerConfig } from '../domain/config/scaler-config';
import { runTick, type TickDependencies, type TickReport } from './tick';

/**
 * EventBridge schedules fire at most once a minute; with pollIntervalSeconds > 0 one invocation
 * ticks again every interval while enough time remains (KEDA polls every 30 s).
 */
export async function runPolls(
  config: ScalerConfig,
  deps: TickDependencies,
  options: { remainingMs: () => number; sleep?: (ms: number) => Promise<void> },
): Promise<TickReport[]> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const reports: TickReport[] = [await runTick(config, deps)];
  const intervalMs = config.pollIntervalSeconds * 1000;
  if (intervalMs === 0) return reports;
  const firstStart = reports[0]?.startedAtMs ?? deps.clock.now();
  // Leave room for one more tick of the duration just seen, plus a margin, before the timeout.
  for (let k = 1; ; k++) {
    const nextStart = firstStart + k * intervalMs;
    const lastDuration = reports[reports.length - 1]?.durationMs ?? 0;
    const wait = nextStart - deps.clock.now();
    if (options.remainingMs() - Math.max(wait, 0) < lastDuration * 2 + 5_000) return reports;
    if (wait > 0) await sleep(wait);
    reports.push(await runTick(config, deps));
  }
}
