/**
 * The consumer's error family: one base class, each subclass with an explicit `name` (the image
 * is bundled, so class names cannot be read at run time) and its `cause` passed through.
 */
import { ProjectError } from '../lambdas/domain/errors';

export { asError, describeError } from '../lambdas/domain/errors';

/** Base of every error the consumer service raises. */
export abstract class ConsumerError extends ProjectError {}

/** A configuration that cannot run; the message names each bad field, its value and the fix. */
export class ConfigError extends ConsumerError {
  override name = 'ConfigError';
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`invalid consumer configuration:\n  - ${problems.join('\n  - ')}`);
    this.problems = problems;
  }
}

/** Raised by `FetchedBatch.heartbeat` when the group rebalances: this member's partitions are being revoked. */
export class RebalanceSignal extends ConsumerError {
  override name = 'RebalanceSignal';
  constructor(options: { cause: unknown }) {
    super('the group is rebalancing; partitions are being revoked', { cause: options.cause, retriable: true });
  }
}

/**
 * A newer producer with the same transactional id (the partition's new owner) fenced this one:
 * its open transaction is aborted and nothing it sends can commit any more.
 */
export class ProducerFencedError extends ConsumerError {
  override name = 'ProducerFencedError';
  constructor(transactionalId: string, options: { cause: unknown }) {
    super(`transactional producer ${transactionalId} was fenced by a newer owner of its partition`, {
      cause: options.cause,
      retriable: true,
    });
  }
}

/** The assignment changed while a batch was being processed; the batch is fetched again. */
export class AssignmentChangedError extends ConsumerError {
  override name = 'AssignmentChangedError';
  constructor({ topic, partition }: { readonly topic: string; readonly partition: number }) {
    super(`the assignment changed while a batch of ${topic}:${partition} was processed; fetching it again`, {
      retriable: true,
    });
  }
}

/** The strategy and the configuration do not fit together (a programming error, found at start). */
export class StrategySetupError extends ConsumerError {
  override name = 'StrategySetupError';
}

/** At least one step of the graceful shutdown failed; the log names each. */
export class ShutdownError extends ConsumerError {
  override name = 'ShutdownError';
  constructor(failedSteps: readonly string[]) {
    super(`graceful shutdown did not complete cleanly: ${failedSteps.join(', ')} failed (see the log)`);
  }
}
