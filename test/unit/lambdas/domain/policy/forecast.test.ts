import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BURST_FACTOR,
  forecastProduction,
  MIN_FORECAST_INTERVALS,
  type ProductionForecast,
} from '#domain/policy/forecast';
import type { TopicObservation } from '#domain/policy/index';

type Intervals = TopicObservation['recentProduction'];
/** Intervals of 60 s at these rates, oldest first. */
const minutes = (...rates: readonly number[]): Intervals => rates.map((perSecond) => ({ seconds: 60, perSecond }));
const usualMinutes = (count: number, perSecond = 200): Intervals =>
  minutes(...Array.from({ length: count }, () => perSecond));

describe('forecastProduction (300 s horizon)', () => {
  it.each<{ name: string; current: number; intervals: Intervals; expected: ProductionForecast }>([
    {
      name: `fewer than ${MIN_FORECAST_INTERVALS} intervals: the current rate, whatever it is`,
      current: 1000,
      intervals: minutes(200, 200, 200),
      expected: { perSecond: 1000, usual: 1000, burstSeconds: 0 },
    },
    {
      name: 'steady: the current rate',
      current: 210,
      intervals: usualMinutes(6),
      expected: { perSecond: 210, usual: 200, burstSeconds: 0 },
    },
    {
      name: `exactly ${BURST_FACTOR}x the median is no burst`,
      current: 300,
      intervals: usualMinutes(6),
      expected: { perSecond: 300, usual: 200, burstSeconds: 0 },
    },
    {
      name: 'a falling rate is taken at once',
      current: 50,
      intervals: usualMinutes(6),
      expected: { perSecond: 50, usual: 200, burstSeconds: 0 },
    },
    {
      name: 'a burst one minute old: a fifth of the way from the median (200 + 800 x 60 / 300)',
      current: 1000,
      intervals: [...usualMinutes(5), ...minutes(1000)],
      expected: { perSecond: 360, usual: 200, burstSeconds: 60 },
    },
    {
      name: 'a burst three minutes old: three fifths of the way (200 + 800 x 180 / 300)',
      current: 1000,
      intervals: [...usualMinutes(7), ...minutes(1000, 1000, 1000)],
      expected: { perSecond: 680, usual: 200, burstSeconds: 180 },
    },
    {
      name: 'a burst as old as the horizon is the new level: the current rate',
      current: 1000,
      intervals: [...usualMinutes(7), ...minutes(1000, 1000, 1000, 1000, 1000)],
      expected: { perSecond: 1000, usual: 200, burstSeconds: 300 },
    },
    {
      name: 'a burst older than the horizon: still the current rate, never past it',
      current: 1000,
      intervals: [...usualMinutes(9), ...minutes(1000, 1000, 1000, 1000, 1000, 1000, 1000)],
      expected: { perSecond: 1000, usual: 200, burstSeconds: 420 },
    },
    {
      name: 'a burst seen only in the current rate counts as one second old',
      current: 1000,
      intervals: usualMinutes(6),
      expected: { perSecond: 200 + (800 * 1) / 300, usual: 200, burstSeconds: 1 },
    },
    {
      name: 'the burst is counted back to the last interval at or below 1.5x the median',
      current: 1000,
      intervals: [...usualMinutes(4), ...minutes(900, 300, 800)],
      expected: { perSecond: 200 + (800 * 60) / 300, usual: 200, burstSeconds: 60 },
    },
    {
      name: 'the median of an even count is the mean of the middle two (250; 400 > 375 is the burst)',
      current: 1000,
      intervals: minutes(100, 200, 300, 400),
      expected: { perSecond: 250 + (750 * 60) / 300, usual: 250, burstSeconds: 60 },
    },
  ])('$name', ({ current, intervals, expected }) => {
    const forecast = forecastProduction({ productionRate: current, recentProduction: intervals }, 300);
    expect(forecast?.usual).toBeCloseTo(expected.usual, 9);
    expect(forecast?.burstSeconds).toBe(expected.burstSeconds);
    expect(forecast?.perSecond).toBeCloseTo(expected.perSecond, 9);
  });

  it('none while the production rate is unknown', () => {
    expect(forecastProduction({ productionRate: undefined, recentProduction: usualMinutes(6) }, 300)).toBeUndefined();
  });

  it('a horizon of zero takes a burst at once', () => {
    const forecast = forecastProduction({ productionRate: 1000, recentProduction: usualMinutes(6) }, 0);
    expect(forecast).toEqual({ perSecond: 1000, usual: 200, burstSeconds: 1 });
  });

  it('a longer horizon discounts the same burst more (600 s: a tenth of the way per minute)', () => {
    const intervals = [...usualMinutes(5), ...minutes(1000)];
    const forecast = forecastProduction({ productionRate: 1000, recentProduction: intervals }, 600);
    expect(forecast?.perSecond).toBeCloseTo(280, 9);
  });
});

describe('forecastProduction: properties', () => {
  const rate = fc.double({ min: 0, max: 100_000, noNaN: true });
  const history = fc.array(fc.record({ seconds: fc.constantFrom(10, 30, 60), perSecond: rate }), { maxLength: 40 });
  const horizon = fc.integer({ min: 0, max: 3600 });
  /**
   * The forecast is usual + (current - usual) x share; with share 1 that sum can round one unit in the
   * last place above `current` (81.1 + (456.8 - 81.1) is 456.80000000000007 in doubles), so the bound allows that one ulp.
   */
  const oneUlpAbove = (bound: number): number => bound + Math.abs(bound) * Number.EPSILON;

  it('lies between the recent median and the current rate', () => {
    fc.assert(
      fc.property(rate, history, horizon, (current, intervals, seconds) => {
        const forecast = forecastProduction({ productionRate: current, recentProduction: intervals }, seconds);
        if (forecast === undefined) throw new Error('a known rate always has a forecast');
        expect(forecast.perSecond).toBeGreaterThanOrEqual(Math.min(forecast.usual, current));
        expect(forecast.perSecond).toBeLessThanOrEqual(oneUlpAbove(Math.max(forecast.usual, current)));
      }),
      { numRuns: 2000 },
    );
  });

  it('never above the current rate while bursting, and never below the median', () => {
    fc.assert(
      fc.property(rate, history, horizon, (current, intervals, seconds) => {
        const forecast = forecastProduction({ productionRate: current, recentProduction: intervals }, seconds);
        if (forecast === undefined || forecast.burstSeconds === 0) return;
        expect(forecast.perSecond).toBeLessThanOrEqual(oneUlpAbove(current));
        expect(forecast.perSecond).toBeGreaterThanOrEqual(forecast.usual);
      }),
      { numRuns: 2000 },
    );
  });
});
