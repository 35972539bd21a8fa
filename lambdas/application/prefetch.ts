/**
 * Batched reads ahead of the per-target work: every target's state and every service's status in
 * as few calls as the store and ECS allow (`loadMany`, `describeMany`), then served to the tick
 * through the same ports it uses target by target, so the tick's per-target steps stay as they are.
 * A port without the batch method is used as it is (one call per target).
 */
import { asError } from '#domain/errors';
import type { ServiceCapacity, ServiceDescription, ServiceRef } from '#ports/service-capacity';
import type { StateLoad, StateStore } from '#ports/state-store';

/** A store whose `load` answers from one batched load of these targets (others are loaded as usual). */
export async function prefetchStates<T>(store: StateStore<T>, targets: readonly string[]): Promise<StateStore<T>> {
  if (store.loadMany === undefined || targets.length === 0) return store;
  let loads: readonly StateLoad<T>[];
  try {
    loads = await store.loadMany(targets);
  } catch (error) {
    loads = targets.map(() => ({ kind: 'failed', error: asError(error) }));
  }
  const byTarget = new Map(targets.map((target, index) => [target, loads[index]]));
  return {
    load: async (target) => {
      const loaded = byTarget.get(target);
      if (loaded === undefined) return await store.load(target);
      if (loaded.kind === 'failed') throw loaded.error;
      return loaded.stored;
    },
    save: (target, state, expectedVersion) => store.save(target, state, expectedVersion),
  };
}

const serviceKey = (ref: ServiceRef): string => `${ref.cluster}\u0000${ref.service}`;

/** A capacity whose `describe` answers from one batched describe of these services (setDesired goes through). */
export async function prefetchServices(
  capacity: ServiceCapacity,
  services: readonly ServiceRef[],
): Promise<ServiceCapacity> {
  if (capacity.describeMany === undefined || services.length === 0) return capacity;
  let described: readonly ServiceDescription[];
  try {
    described = await capacity.describeMany(services);
  } catch (error) {
    described = services.map(() => ({ kind: 'failed', error: asError(error) }));
  }
  const byService = new Map(services.map((ref, index) => [serviceKey(ref), described[index]]));
  return {
    describe: async (ref) => {
      const found = byService.get(serviceKey(ref));
      if (found === undefined) return await capacity.describe(ref);
      if (found.kind === 'failed') throw found.error;
      return found.status;
    },
    setDesired: (ref, count) => capacity.setDesired(ref, count),
  };
}
