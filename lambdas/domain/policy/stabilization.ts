/**
 * The scale-in stabilization window: recommendations are remembered for the window, and a scale-in
 * goes no lower than the highest of them, so one quiet tick between busy ones does not shrink the group.
 */
import type { DataFreshness, Recommendation } from './input';

/** The highest recommendation in force during the window, and whether history covers the whole window. */
export interface StabilizedRecommendation {
  readonly tasks: number | undefined;
  readonly covered: boolean;
}

/** Keep the recommendations of the window plus the last one before it (it was in force at the window's start). */
export function pruneRecommendations(
  recommendations: readonly Recommendation[],
  now: number,
  windowMs: number,
): readonly Recommendation[] {
  const start = now - windowMs;
  let firstKept = 0;
  recommendations.forEach((recommendation, index) => {
    if (recommendation.atMs <= start) firstKept = index;
  });
  return recommendations.slice(firstKept);
}

/**
 * The window's history after this tick (`latest.atMs` is now). Partial lag is a lower bound: its
 * recommendation may raise the window's maximum but must never lower it, so only complete data is recorded.
 */
export function recordRecommendation(
  history: readonly Recommendation[],
  latest: Recommendation,
  freshness: DataFreshness,
  windowMs: number,
): readonly Recommendation[] {
  const recorded = freshness === 'complete' ? [...history, latest] : history;
  return pruneRecommendations(recorded, latest.atMs, windowMs);
}

/** The highest recommendation in force during the window, and whether history covers the whole window. */
export function stabilizedRecommendation(
  recommendations: readonly Recommendation[],
  now: number,
  windowMs: number,
): StabilizedRecommendation {
  const kept = pruneRecommendations(recommendations, now, windowMs);
  const first = kept[0];
  const covered = windowMs <= 0 || (first !== undefined && first.atMs <= now - windowMs);
  const tasks = kept.reduce<number | undefined>(
    (max, rec) => (max === undefined ? rec.tasks : Math.max(max, rec.tasks)),
    undefined,
  );
  return { tasks, covered };
}
