import { describe, expect, it } from 'vitest';
import {
  corpusMembers,
  findCorpusMember,
  generateMember,
  parseCorpus,
  shippedCorpus,
  type CorpusMember,
} from '#simulator/corpus';
import { familyNames } from '#simulator/generate';
import { parseTrace } from '#simulator/trace';

describe('the shipped corpus (simulator/corpus.json)', () => {
  const members = corpusMembers(shippedCorpus());
  const traces = members.map((member) => generateMember(member));

  it('has at least 100 traces, every family, each name once', () => {
    expect(members.length).toBeGreaterThanOrEqual(100);
    expect(new Set(members.map((member) => member.family))).toEqual(new Set(familyNames));
    expect(new Set(members.map((member) => member.name)).size).toBe(members.length);
    for (const family of familyNames)
      expect(members.filter((member) => member.family === family).length).toBeGreaterThanOrEqual(10);
  });

  it('expands to valid traces named after the member, all different', () => {
    traces.forEach((trace, index) => {
      expect(trace.name).toBe(members[index]?.name);
      expect(parseTrace(JSON.stringify(trace), trace.name).ok).toBe(true);
    });
    const shapes = traces.map((trace) => JSON.stringify({ ...trace, name: '', description: '' }));
    expect(new Set(shapes).size).toBe(traces.length);
  });

  it('expands deterministically', () => {
    const again = corpusMembers(shippedCorpus()).map((member) => generateMember(member));
    expect(again).toEqual(traces);
  });

  it('fixed parameters of an entry hold for each of its seeds', () => {
    const fixed = members.filter((member) => Object.keys(member.params).length > 0);
    expect(fixed.length).toBeGreaterThan(0);
    for (const member of fixed) {
      const trace = traces[members.indexOf(member)];
      if (member.params.partitions !== undefined) expect(trace?.topics[0]?.partitions).toBe(member.params.partitions);
      expect(trace?.description).toContain(`seed ${member.seed}`);
    }
  });

  it('finds a member by name', () => {
    expect(findCorpusMember(shippedCorpus(), 'ramp-3')).toEqual({
      name: 'ramp-3',
      family: 'ramp',
      seed: 3,
      params: {},
    });
    expect(findCorpusMember(shippedCorpus(), 'ramp-999')).toBeUndefined();
  });
});

describe('parseCorpus', () => {
  it.each<[string, unknown, RegExp]>([
    [
      'an unknown family',
      { entries: [{ family: 'ramps', seeds: [1] }] },
      /c\.json: entries\[0\]\.family: expected a family: silence-dump, /,
    ],
    [
      'a seed twice',
      {
        entries: [
          { family: 'ramp', seeds: [1, 2] },
          { family: 'ramp', seeds: [2] },
        ],
      },
      /entries\[1\]\.seeds\[0\]: ramp-2 is already in the corpus; expected each family and seed once/,
    ],
    ['no seeds', { entries: [{ family: 'ramp', seeds: [] }] }, /entries\[0\]\.seeds: expected at least one seed/],
    [
      'a negative seed',
      { entries: [{ family: 'ramp', seeds: [-1] }] },
      /entries\[0\]\.seeds\[0\]: expected a seed >= 0/,
    ],
    [
      'an unknown field',
      { entries: [{ family: 'ramp', seeds: [1], seed: 2 }] },
      /entries\[0\]: unknown field\(s\) 'seed'/,
    ],
  ])('rejects %s, naming the field', (_name, value, expected) => {
    const result = parseCorpus(value, 'c.json');
    expect(result.ok ? 'ok' : result.errors.join('\n')).toMatch(expected);
  });

  it('a member with bad fixed parameters fails to generate, naming the trace and the parameter', () => {
    const member: CorpusMember = { name: 'ramp-1', family: 'ramp', seed: 1, params: { partitions: 2e9 } };
    expect(() => generateMember(member)).toThrow(/corpus trace ramp-1:\n {2}family ramp, seed 1: partitions: expected/);
  });
});
