import { describe, expect, it } from 'vitest';
import { initialTargetState, parseTargetState, TARGET_STATE_SCHEMA } from '#application/target-state';
import { emptyPolicyMemory } from '#domain/policy/input';

const scaleDecision = {
  kind: 'scale',
  from: 1,
  to: 4,
  direction: 'out',
  rule: 'lag-threshold',
  dryRun: false,
  inputs: { current: 1, recommended: 4, detail: 'lag-threshold recommends 4' },
};
const holdDecision = { kind: 'hold', rule: 'at-target', recommended: 2, inputs: { current: 2, detail: '' } };
const memory = {
  recommendations: [{ atMs: 1_000, tasks: 4 }],
  lastAction: { atMs: 1_000, direction: 'out', from: 1, to: 4 },
  settledSinceMs: 500,
  capacityPerTask: { 'patient-checkout': 120 },
  capacitySamples: { 'patient-checkout': [{ atMs: 900, perSecond: 120 }] },
  capacityFloor: { 'patient-checkout': { atMs: 800, perSecond: 90 } },
};

describe('target state: versioned, validated on load', () => {
  it('reads the current schema back as saved', () => {
    const saved = {
      schema: TARGET_STATE_SCHEMA,
      policy: memory,
      lagHistory: { points: [] },
      lastDecision: { atMs: 1_000, decision: scaleDecision, outcome: 'acted', dryRun: false },
    };
    const loaded = parseTargetState(JSON.parse(JSON.stringify(saved)));
    expect(loaded).toEqual({
      kind: 'valid',
      migratedFrom: undefined,
      state: { ...saved, policy: { ...memory, settleWaitStartMs: undefined } },
    });
  });

  it('defaults the optional parts of the policy memory (a state saved before capacitySamples and capacityFloor)', () => {
    const loaded = parseTargetState({ schema: 2, policy: { recommendations: [] }, lagHistory: undefined });
    expect(loaded).toMatchObject({ kind: 'valid', state: { policy: emptyPolicyMemory, lastDecision: undefined } });
  });

  describe('migration from schema 1 (acted recorded the intention)', () => {
    it.each([
      ['an acted scale', { decision: scaleDecision, acted: true, dryRun: false }, 'acted'],
      ['a dry-run scale', { decision: { ...scaleDecision, dryRun: true }, acted: false, dryRun: true }, 'dry-run'],
      ['a hold', { decision: holdDecision, acted: false, dryRun: false }, 'held'],
      ['a hold in dry-run mode', { decision: holdDecision, acted: false, dryRun: true }, 'held'],
    ])('%s', (_name, last, outcome) => {
      const v1 = { schema: 1, policy: memory, lagHistory: 'h', lastDecision: { atMs: 7, ...last } };
      const loaded = parseTargetState(v1);
      expect(loaded).toEqual({
        kind: 'valid',
        migratedFrom: 1,
        state: {
          schema: 2,
          policy: { ...memory, settleWaitStartMs: undefined },
          lagHistory: 'h',
          lastDecision: { atMs: 7, decision: last.decision, outcome, dryRun: last.dryRun },
        },
      });
    });

    it('a schema 1 state without a decision (the first tick after a deployment)', () => {
      const loaded = parseTargetState({ schema: 1, policy: emptyPolicyMemory });
      expect(loaded).toMatchObject({ kind: 'valid', migratedFrom: 1, state: { schema: 2, lastDecision: undefined } });
    });
  });

  describe('anything unreadable or foreign becomes a fresh state, with the reason', () => {
    it.each([
      ['null', null, /is null, not an object/],
      ['an array', [], /is an array/],
      ['a string', 'oops', /is string/],
      ['no schema', { policy: memory }, /has no schema field/],
      ['a newer schema (a rollback)', { schema: 3, policy: memory }, /schema 3 is not one this version reads \(1-2\)/],
      ['schema 1 with nothing else', { schema: 1 }, /schema 1 state is malformed: state\.policy/],
      [
        'a policy memory of the wrong shape',
        { schema: 2, policy: { recommendations: 'many' } },
        /state\.policy\.recommendations/,
      ],
      [
        'a negative task count',
        { schema: 2, policy: { ...memory, lastAction: { atMs: 1, direction: 'out', from: 1, to: -4 } } },
        /state\.policy\.lastAction\.to/,
      ],
      [
        'a decision that is not one',
        {
          schema: 2,
          policy: memory,
          lastDecision: { atMs: 1, decision: { kind: 'scale' }, outcome: 'acted', dryRun: false },
        },
        /state\.lastDecision\.decision: not a scaling decision/,
      ],
      [
        'an unknown outcome',
        {
          schema: 2,
          policy: memory,
          lastDecision: { atMs: 1, decision: holdDecision, outcome: 'maybe', dryRun: false },
        },
        /state\.lastDecision\.outcome/,
      ],
    ])('%s', (_name, raw, reason) => {
      const loaded = parseTargetState(raw);
      expect(loaded.kind).toBe('reset');
      expect(loaded.state).toEqual(initialTargetState);
      expect(loaded.kind === 'reset' && loaded.reason).toMatch(reason);
    });
  });
});
