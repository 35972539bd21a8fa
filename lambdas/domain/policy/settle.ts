/**
 * The settle gate's state. Rates and membership are only meaningful on a settled group: Stable, one
 * member per running task, and a service running exactly what it asked for. The wait is bounded by
 * settleTimeoutSeconds so a group that never settles cannot freeze scaling.
 */
import type { PolicyConfig } from './config';
import type { PolicyMemory, PolicyObservation } from './input';

/** Whether the group is settled this tick, since when, and how long the policy has waited for it. */
export interface SettleState {
  readonly settled: boolean;
  /** When the wait for a settled group began, kept across ticks; undefined while settled. */
  readonly settleWaitStartMs: number | undefined;
  /** When the group became settled, kept across ticks; undefined while not settled. */
  readonly settledSinceMs: number | undefined;
  /** Waited settleTimeoutSeconds or longer: decide anyway (the scale-in gates still wait). */
  readonly timedOut: boolean;
}

/** A steady service whose group has one member per running task (none when it runs none), reconciled when KIP-848. */
export function isSettled(observation: PolicyObservation): boolean {
  const { group, service } = observation;
  const serviceSteady = service.running === service.desired && service.pending === 0 && service.deploymentSteady;
  if (!serviceSteady) return false;
  if (service.desired === 0) return group.members === 0;
  // A consumer-protocol (KIP-848) group moves partitions member by member: settled once all reconciled.
  if (group.protocol === 'consumer' && group.reconciled !== true) return false;
  return group.state === 'Stable' && group.members === service.running;
}

/** This tick's settle state, carrying the remembered wait start and settled-since forward. */
export function settleState(
  observation: PolicyObservation,
  memory: Pick<PolicyMemory, 'settleWaitStartMs' | 'settledSinceMs'>,
  config: Pick<PolicyConfig, 'settleTimeoutSeconds'>,
  now: number,
): SettleState {
  const settled = isSettled(observation);
  const settleWaitStartMs = settled ? undefined : (memory.settleWaitStartMs ?? now);
  const settledSinceMs = settled ? (memory.settledSinceMs ?? now) : undefined;
  const timedOut = settleWaitStartMs !== undefined && now - settleWaitStartMs >= config.settleTimeoutSeconds * 1000;
  return { settled, settleWaitStartMs, settledSinceMs, timedOut };
}
