import { ProjectError } from '#domain/errors';

/** A target's remembered state, as last saved, with the version that guards the next save. */
export interface StoredState<T> {
  readonly version: number;
  readonly state: T;
}

/**
 * An item whose state cannot be decoded (corrupt bytes, no state at all): why, and the version to
 * replace it at, so that a bad item is overwritten by the next save instead of blocking its target.
 */
export interface UnreadableState {
  readonly version: number;
  readonly unreadable: string;
}

/** One target of a batched load: its state (undefined: none saved yet), or why it could not be read. */
export type StateLoad<T> =
  | { readonly kind: 'loaded'; readonly stored: StoredState<T> | UnreadableState | undefined }
  | { readonly kind: 'failed'; readonly error: Error };

/**
 * Keeps what the scaler must remember between invocations (history, recommendations, last action).
 * `save` succeeds only if the stored version is still `expectedVersion` (undefined: no item yet),
 * so two overlapping ticks cannot both act on the same target.
 */
export interface StateStore<T> {
  load(target: string): Promise<StoredState<T> | UnreadableState | undefined>;
  /**
   * Many targets in as few calls as the backend allows (DynamoDB: 100 per BatchGetItem): one result
   * per target, in order. Optional: without it the tick loads targets one by one.
   */
  loadMany?(targets: readonly string[]): Promise<readonly StateLoad<T>[]>;
  /** Returns the new version; throws StateConflictError when someone saved in between. */
  save(target: string, state: T, expectedVersion: number | undefined): Promise<number>;
}

/** Base of the state store's errors: what a tick may meet when it loads or saves a target's state. */
export abstract class StateStoreError extends ProjectError {}

/** Someone saved the target's state since it was loaded: this tick must not act on it. */
export class StateConflictError extends StateStoreError {
  override name = 'StateConflictError';
  constructor(readonly target: string) {
    super(`state of target ${target} was saved by another invocation in the meantime; this tick does not act on it`);
  }
}

/** The store did not answer for a target (throttled, unavailable): the target sits this tick out. */
export class StateUnavailableError extends StateStoreError {
  override name = 'StateUnavailableError';
}

/** The state is larger than the store accepts (the history must be bounded further). */
export class StateTooLargeError extends StateStoreError {
  override name = 'StateTooLargeError';
}
