/**
 * The simulator's `ours` is the deployed tick: at every poll of a simulated run, the Lambda's own
 * `runTick` (in-memory ports: a reader that returns the simulated snapshot, a service that describes
 * the simulated counts, a store that holds what the simulated policy remembered) decides the same.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runTick, type TickDependencies } from '#application/tick';
import type { TargetState } from '#application/target-state';
import { parseScalerConfig } from '#domain/config/scaler-config';
import { historyToJson } from '#domain/lag/history';
import type { ScalingDecision } from '#domain/policy/index';
import { simulate } from '#simulator/engine';
import { defaultSimulationOptions } from '#simulator/model';
import { SIMULATED_GROUP, type ClusterView } from '#simulator/observe';
import type { OursState, Policy, PolicyStep } from '#simulator/policies';
import { buildPolicy, defaultLineupParameters, oursConfig } from '#simulator/render/report';
import { parseTrace, type Trace } from '#simulator/trace';

function loadShipped(name: string): Trace {
  const file = join(import.meta.dirname, '..', '..', '..', 'simulator', 'traces', `${name}.json`);
  const parsed = parseTrace(readFileSync(file, 'utf8'), file);
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
  return parsed.trace;
}

interface Poll {
  readonly view: ClusterView;
  readonly before: OursState;
  readonly decision: ScalingDecision | undefined;
}

/** Wraps ours to record, at every poll, what it saw, what it remembered before, and what it decided. */
function recording(policy: Policy<OursState>, polls: Poll[]): Policy<OursState> {
  return {
    ...policy,
    decide(view, state, now): PolicyStep<OursState> {
      const step = policy.decide(view, state, now);
      polls.push({ view, before: state, decision: step.decision });
      return step;
    },
  };
}

/** The tick's ports, answering with one poll's simulated facts. */
function portsFor(poll: Poll): TickDependencies {
  const state: TargetState = {
    schema: 2,
    policy: poll.before.memory,
    lagHistory: historyToJson(poll.before.history),
    lastDecision: undefined,
  };
  return {
    reader: {
      read: async () => {
        if (poll.view.read === undefined) throw new Error('simulated data gap: Kafka cannot be read');
        return [poll.view.read];
      },
      listGroups: async () => [SIMULATED_GROUP],
      close: async () => undefined,
    },
    capacity: { describe: async () => poll.view.service, setDesired: async () => undefined },
    store: { load: async () => ({ version: 1, state }), save: async () => 2 },
    metrics: { publish: async () => undefined },
    clock: { now: () => poll.view.nowMs },
    logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
  };
}

describe('a simulated decision is the deployed tick’s decision', () => {
  it.each(['burst', 'noisy', 'poisoned-partition', 'hot-partition'])(
    'every poll of %s: runTick decides exactly what the simulator’s ours decided',
    async (name) => {
      const trace = loadShipped(name);
      const options = defaultSimulationOptions;
      const parameters = defaultLineupParameters(trace, options);
      const polls: Poll[] = [];
      const ours = buildPolicy('ours', parameters, options) as Policy<OursState>;
      simulate(trace, recording(ours, polls), options);
      const policy = oursConfig(parameters, options);
      const config = parseScalerConfig({
        kafka: { brokers: ['127.0.0.1:9092'] },
        targets: [{ group: SIMULATED_GROUP, service: { cluster: 'sim', service: 'sim' }, policy }],
      });
      expect(polls.length).toBeGreaterThan(100);
      for (const poll of polls) {
        const report = await runTick(config, portsFor(poll));
        const outcome = report.targets[0];
        expect(outcome?.kind === 'error' ? outcome.message : outcome?.decision).toEqual(poll.decision);
      }
    },
    60_000,
  );
});
