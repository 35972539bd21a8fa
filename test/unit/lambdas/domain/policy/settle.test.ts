import { describe, expect, it } from 'vitest';
import { emptyPolicyMemory, type PolicyMemory, type PolicyObservation } from '#domain/policy/index';
import { isSettled, settleState, type SettleState } from '#domain/policy/settle';
import { config, NOW, observation, topic } from '#support/builders/policy';

const SEC = 1000;

describe('isSettled', () => {
  it.each<{ name: string; observed: PolicyObservation; settled: boolean }>([
    { name: 'Stable, one member per running task', observed: observation(3), settled: true },
    {
      name: 'not while the group rebalances',
      observed: observation(3, [topic()], { group: { state: 'PreparingRebalance' } }),
      settled: false,
    },
    {
      name: 'not while members differ from running tasks',
      observed: observation(3, [topic()], { group: { members: 2 } }),
      settled: false,
    },
    {
      name: 'not while the service runs fewer tasks than it asked for',
      observed: observation(3, [topic()], { service: { running: 2 }, group: { members: 2 } }),
      settled: false,
    },
    {
      name: 'not while a task is pending',
      observed: observation(3, [topic()], { service: { pending: 1 } }),
      settled: false,
    },
    {
      name: 'not while a deployment rolls',
      observed: observation(3, [topic()], { service: { deploymentSteady: false } }),
      settled: false,
    },
    { name: 'at zero tasks, an empty group', observed: observation(0), settled: true },
    {
      name: 'at zero tasks, in whatever state the coordinator reports',
      observed: observation(0, [topic()], { group: { state: 'Dead' } }),
      settled: true,
    },
    {
      name: 'not at zero tasks while a member is still in the group',
      observed: observation(0, [topic()], { group: { members: 1 } }),
      settled: false,
    },
  ])('$name', ({ observed, settled }) => {
    expect(isSettled(observed)).toBe(settled);
  });
});

describe('settleState (300 s settle timeout)', () => {
  const rebalancing = observation(3, [topic()], { group: { state: 'CompletingRebalance' } });
  it.each<{ name: string; observed: PolicyObservation; memory: Partial<PolicyMemory>; expected: SettleState }>([
    {
      name: 'first settled tick: settled since now',
      observed: observation(3),
      memory: {},
      expected: { settled: true, settleWaitStartMs: undefined, settledSinceMs: NOW, timedOut: false },
    },
    {
      name: 'settled: keeps when it settled and forgets the wait',
      observed: observation(3),
      memory: { settledSinceMs: NOW - 600 * SEC, settleWaitStartMs: NOW - 900 * SEC },
      expected: { settled: true, settleWaitStartMs: undefined, settledSinceMs: NOW - 600 * SEC, timedOut: false },
    },
    {
      name: 'first unsettled tick: the wait starts now and settled-since is forgotten',
      observed: rebalancing,
      memory: { settledSinceMs: NOW - 600 * SEC },
      expected: { settled: false, settleWaitStartMs: NOW, settledSinceMs: undefined, timedOut: false },
    },
    {
      name: 'waited 299 s: still waiting',
      observed: rebalancing,
      memory: { settleWaitStartMs: NOW - 299 * SEC },
      expected: { settled: false, settleWaitStartMs: NOW - 299 * SEC, settledSinceMs: undefined, timedOut: false },
    },
    {
      name: 'waited 300 s: timed out, decide anyway',
      observed: rebalancing,
      memory: { settleWaitStartMs: NOW - 300 * SEC },
      expected: { settled: false, settleWaitStartMs: NOW - 300 * SEC, settledSinceMs: undefined, timedOut: true },
    },
  ])('$name', ({ observed, memory, expected }) => {
    const cfg = config({ settleTimeoutSeconds: 300 });
    expect(settleState(observed, { ...emptyPolicyMemory, ...memory }, cfg, NOW)).toEqual(expected);
  });
});
