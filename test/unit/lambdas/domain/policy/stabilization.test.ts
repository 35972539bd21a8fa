import { describe, expect, it } from 'vitest';
import type { DataFreshness, Recommendation } from '#domain/policy/index';
import {
  pruneRecommendations,
  recordRecommendation,
  stabilizedRecommendation,
  type StabilizedRecommendation,
} from '#domain/policy/stabilization';
import { NOW } from '#support/builders/policy';

const TEN_MINUTES_MS = 600_000;
/** A recommendation of `tasks` made `secondsAgo` before NOW. */
const rec = (secondsAgo: number, tasks: number): Recommendation => ({ atMs: NOW - secondsAgo * 1000, tasks });

describe('pruneRecommendations (10 min window)', () => {
  it.each([
    {
      name: 'keeps the window and the last one before it (in force at the window start)',
      history: [rec(700, 1), rec(650, 2), rec(300, 3), rec(60, 4)],
      kept: [rec(650, 2), rec(300, 3), rec(60, 4)],
    },
    {
      name: 'one made exactly at the window start counts as before it',
      history: [rec(700, 1), rec(600, 2), rec(60, 3)],
      kept: [rec(600, 2), rec(60, 3)],
    },
    { name: 'keeps everything inside the window', history: [rec(300, 1), rec(60, 2)], kept: [rec(300, 1), rec(60, 2)] },
    { name: 'nothing from nothing', history: [], kept: [] },
  ])('$name', ({ history, kept }) => {
    expect(pruneRecommendations(history, NOW, TEN_MINUTES_MS)).toEqual(kept);
  });
});

describe('recordRecommendation (10 min window unless said)', () => {
  const latest = rec(0, 3);
  it.each<{
    name: string;
    freshness: DataFreshness;
    windowMs?: number;
    history: Recommendation[];
    after: Recommendation[];
  }>([
    {
      name: 'complete data records this tick and prunes',
      freshness: 'complete',
      history: [rec(700, 1), rec(650, 2)],
      after: [rec(650, 2), latest],
    },
    {
      name: 'partial data records nothing (a lower bound must not lower the maximum) but still prunes',
      freshness: 'partial',
      history: [rec(700, 1), rec(650, 2), rec(60, 4)],
      after: [rec(650, 2), rec(60, 4)],
    },
    {
      name: 'a zero window keeps only this tick',
      freshness: 'complete',
      windowMs: 0,
      history: [rec(700, 1), rec(60, 4)],
      after: [latest],
    },
  ])('$name', ({ freshness, windowMs, history, after }) => {
    expect(recordRecommendation(history, latest, freshness, windowMs ?? TEN_MINUTES_MS)).toEqual(after);
  });
});

describe('stabilizedRecommendation (10 min window unless said)', () => {
  it.each<{ name: string; windowMs?: number; history: Recommendation[]; expected: StabilizedRecommendation }>([
    {
      name: 'the highest recommendation of a covered window',
      history: [rec(700, 2), rec(300, 6), rec(60, 1)],
      expected: { tasks: 6, covered: true },
    },
    {
      name: 'the one made before the window counts: it was in force at the window start',
      history: [rec(700, 5), rec(60, 1)],
      expected: { tasks: 5, covered: true },
    },
    {
      name: 'older ones no longer count',
      history: [rec(900, 9), rec(700, 2), rec(60, 1)],
      expected: { tasks: 2, covered: true },
    },
    {
      name: 'history that starts inside the window does not cover it',
      history: [rec(300, 2)],
      expected: { tasks: 2, covered: false },
    },
    { name: 'no history covers nothing', history: [], expected: { tasks: undefined, covered: false } },
    {
      name: 'a zero window is always covered',
      windowMs: 0,
      history: [],
      expected: { tasks: undefined, covered: true },
    },
  ])('$name', ({ windowMs, history, expected }) => {
    expect(stabilizedRecommendation(history, NOW, windowMs ?? TEN_MINUTES_MS)).toEqual(expected);
  });
});
