/**
 * A short-horizon production forecast: what a topic will produce on average over the next drain
 * target, from its recent production interval by interval. A rate well above the recent median is a
 * burst, and a burst that has lasted d seconds is expected to last about d more (the longer it has
 * gone on, the more it is the new level): the forecast moves from the median toward the current
 * rate as the burst ages, reaching it after one horizon. Sizing for a burst's peak would start tasks
 * that join when it is over; its backlog is sized separately, from the measured capacity.
 */
import type { TopicObservation } from './input';

/** A rate this many times the recent median, or more, is a burst. */
export const BURST_FACTOR = 1.5;

/** Intervals needed before the history says what "usual" is; with fewer the current rate stands. */
export const MIN_FORECAST_INTERVALS = 4;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/** The production forecast and what it was made from. */
export interface ProductionForecast {
  /** msg/s expected on average over the horizon. */
  readonly perSecond: number;
  /** The recent median (msg/s) the burst is measured against. */
  readonly usual: number;
  /** Seconds the current burst has lasted; 0 when the rate is not a burst. */
  readonly burstSeconds: number;
}

/** Seconds the newest intervals have run above `threshold`, back to the first one that did not. */
function secondsAbove(intervals: TopicObservation['recentProduction'], threshold: number): number {
  let seconds = 0;
  for (let index = intervals.length - 1; index >= 0; index -= 1) {
    const interval = intervals[index];
    if (interval === undefined || interval.perSecond <= threshold) break;
    seconds += interval.seconds;
  }
  return seconds;
}

/**
 * The topic's production forecast over `horizonSeconds`; undefined when its production rate is not
 * known. A falling rate is taken at once (scale-in has its own stabilization window).
 */
export function forecastProduction(
  topic: Pick<TopicObservation, 'productionRate' | 'recentProduction'>,
  horizonSeconds: number,
): ProductionForecast | undefined {
  const current = topic.productionRate;
  if (current === undefined) return undefined;
  const intervals = topic.recentProduction;
  if (intervals.length < MIN_FORECAST_INTERVALS) return { perSecond: current, usual: current, burstSeconds: 0 };
  const usual = median(intervals.map((interval) => interval.perSecond));
  if (current <= usual * BURST_FACTOR) return { perSecond: current, usual, burstSeconds: 0 };
  const burstSeconds = Math.max(secondsAbove(intervals, usual * BURST_FACTOR), 1);
  const share = horizonSeconds <= 0 ? 1 : Math.min(1, burstSeconds / horizonSeconds);
  return { perSecond: usual + (current - usual) * share, usual, burstSeconds };
}
