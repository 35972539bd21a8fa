/** A target's remembered state, as last saved, with the version that guards the next save. */
export interface StoredState<T> {
  readonly version: number;
  readonly state: T;
}

/**
 * Keeps what the scaler must remember between invocations (history, recommendations, last action).
 * `save` succeeds only if the stored version is still `expectedVersion` (undefined: no item yet),
 * so two overlapping ticks cannot both act on the same target.
 */
export interface StateStore<T> {
  load(target: string): Promise<StoredState<T> | undefined>;
  /** Returns the new version; throws StateConflictError when someone saved in between. */
  save(target: string, state: T, expectedVersion: number | undefined): Promise<number>;
}

export class StateConflictError extends Error {
  override name = 'StateConflictError';
  readonly retriable = false;
  constructor(readonly target: string) {
    super(`state of target ${target} was saved by another invocation in the meantime; this tick does not act on it`);
  }
}
