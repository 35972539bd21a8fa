import { describe, expect, it } from 'vitest';
import {
  burstOf,
  defaultProfileSpec,
  parseProfileFile,
  parseProfileSpec,
  profileFromTrace,
  profileSeconds,
  rateAt,
} from '#local/load-profile';
import { parseTrace } from '#simulator/trace';

describe('load profile', () => {
  it('parses the default spec: calm -> burst -> calm', () => {
    const result = parseProfileSpec(defaultProfileSpec);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.profile.phases.map((p) => p.name)).toEqual(['calm', 'burst', 'calm']);
    expect(burstOf(result.profile)).toEqual({ startSeconds: 30, endSeconds: 75, ratePerSecond: 600 });
    expect(profileSeconds(result.profile)).toBe(210);
  });

  it('gives the rate of the phase in force, and 0 after the end', () => {
    const result = parseProfileSpec('calm:10@50,burst:5s@500');
    if (!result.ok) throw new Error(result.errors.join());
    expect([0, 9_999, 10_000, 14_999, 15_000].map((ms) => rateAt(result.profile, ms))).toEqual([50, 50, 500, 500, 0]);
  });

  it.each([
    ['calm:10', "profile phase 1 'calm:10'"],
    ['calm:10@50,burst:0@500', "profile phase 2 'burst:0@500'"],
    ['calm:x@50', "profile phase 1 'calm:x@50'"],
  ])('rejects the spec %s naming the phase', (spec, message) => {
    const result = parseProfileSpec(spec);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors[0]).toContain(message);
  });

  it('has no burst when the profile is flat', () => {
    const result = parseProfileSpec('calm:10@50,calm:10@50');
    if (!result.ok) throw new Error(result.errors.join());
    expect(burstOf(result.profile)).toBeUndefined();
  });

  it('parses a JSON profile file', () => {
    const text = JSON.stringify({ phases: [{ name: 'calm', seconds: 10, ratePerSecond: 5 }] });
    expect(parseProfileFile(text, 'p.json')).toEqual({
      ok: true,
      profile: { phases: [{ name: 'calm', seconds: 10, ratePerSecond: 5 }] },
    });
  });

  it('names the line and the field of a bad value', () => {
    const text = [
      '{',
      '  "phases": [',
      '    { "name": "calm", "seconds": 10, "ratePerSecond": 5 },',
      '    { "name": "burst", "seconds": -1, "ratePerSecond": 50 }',
      '  ]',
      '}',
    ].join('\n');
    const result = parseProfileFile(text, 'p.json');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors).toEqual(['p.json:4: phases[1].seconds: expected seconds > 0']);
  });

  it('names an unknown field and the line of a JSON syntax error', () => {
    const unknown = parseProfileFile('{"phases":[{"name":"a","seconds":1,"ratePerSecond":1,"rate":2}]}', 'p.json');
    expect(!unknown.ok && unknown.errors[0]).toMatch(/p\.json:1: phases\[0\]: unknown field\(s\) 'rate'/);
    const syntax = parseProfileFile('{\n  "phases": [\n    {"name": }\n  ]\n}', 'p.json');
    expect(!syntax.ok && syntax.errors[0]).toMatch(/^p\.json(:3)?: not valid JSON/);
  });

  it('turns a simulator trace into phases, compressed in time and scaled to a peak', () => {
    const text = JSON.stringify({
      name: 'spike',
      stepSeconds: 60,
      taskThroughputPerSecond: 100,
      topics: [{ name: 'a', partitions: 4 }],
      production: { a: [100, 1000, 100] },
    });
    const trace = parseTrace(text, 't.json');
    if (!trace.ok) throw new Error(trace.errors.join());
    const profile = profileFromTrace(trace.trace, { stepSeconds: 10, peakRatePerSecond: 500 });
    expect(profile.phases.map((p) => [p.seconds, p.ratePerSecond])).toEqual([
      [10, 50],
      [10, 500],
      [10, 50],
    ]);
    // A trace file is recognised by its stepSeconds and validated by the trace schema.
    const viaFile = parseProfileFile(text, 't.json');
    expect(viaFile.ok).toBe(true);
    const bad = parseProfileFile(text.replace('"partitions":4', '"partitions":0'), 't.json');
    expect(!bad.ok && bad.errors[0]).toMatch(/t\.json.*topics\[0\]\.partitions/);
  });
});
