/**
 * Which broker coordinates each group, remembered between reads (a warm Lambda and the local loop
 * read the same groups every tick). Unknown groups are looked up with one batched FindCoordinator
 * (v4, Kafka 3.0+) for all of them; an older broker gets kafkajs's one-group lookups instead.
 */
import { describeError } from '#domain/errors';
import { anyBroker, type InternalCluster } from './internal-cluster';
import {
  decodeFindCoordinators,
  encodeFindCoordinators,
  errorName,
  FIND_COORDINATOR,
  isRetriableCode,
} from './wire/messages';
import { sendFlexible, supports } from './wire/transport';

/** Why one group could not be read (the others go on). */
export interface GroupFailure {
  readonly message: string;
  readonly retriable: boolean;
}

export interface Located {
  /** Coordinator node id per group. */
  readonly coordinators: ReadonlyMap<string, number>;
  readonly failures: ReadonlyMap<string, GroupFailure>;
}

export class CoordinatorCache {
  private readonly known = new Map<string, number>();

  constructor(private readonly cluster: InternalCluster) {}

  /** Forget these groups' coordinators (they answered NOT_COORDINATOR, or their broker failed). */
  forget(groupIds: Iterable<string>): void {
    for (const groupId of groupIds) this.known.delete(groupId);
  }

  /** The coordinator of every group: remembered ones at no cost, the rest in one request. */
  async locate(groupIds: readonly string[]): Promise<Located> {
    const coordinators = new Map<string, number>();
    const failures = new Map<string, GroupFailure>();
    const unknown: string[] = [];
    for (const groupId of groupIds) {
      const nodeId = this.known.get(groupId);
      if (nodeId === undefined) unknown.push(groupId);
      else coordinators.set(groupId, nodeId);
    }
    if (unknown.length > 0) {
      const broker = await anyBroker(this.cluster);
      const found = supports(broker, FIND_COORDINATOR)
        ? await this.findBatched(unknown, broker)
        : await this.findOneByOne(unknown);
      for (const [groupId, answer] of found) {
        if (typeof answer === 'number') {
          this.known.set(groupId, answer);
          coordinators.set(groupId, answer);
        } else {
          failures.set(groupId, answer);
        }
      }
    }
    return { coordinators, failures };
  }

  private async findBatched(
    groupIds: readonly string[],
    broker: Awaited<ReturnType<InternalCluster['findBroker']>>,
  ): Promise<Map<string, number | GroupFailure>> {
    const answers = await sendFlexible(
      broker,
      FIND_COORDINATOR,
      encodeFindCoordinators(groupIds),
      decodeFindCoordinators,
    );
    const found = new Map<string, number | GroupFailure>();
    for (const answer of answers) {
      if (answer.errorCode === 0) {
        found.set(answer.key, answer.nodeId);
        continue;
      }
      const detail = answer.errorMessage ? `: ${answer.errorMessage}` : '';
      found.set(answer.key, {
        message: `cannot find the coordinator of group ${answer.key}: ${errorName(answer.errorCode)}${detail}${isRetriableCode(answer.errorCode) ? '; the broker is still loading groups, the next read retries' : ''}`,
        retriable: isRetriableCode(answer.errorCode),
      });
    }
    for (const groupId of groupIds) {
      if (!found.has(groupId)) {
        found.set(groupId, { message: `FindCoordinator did not answer for group ${groupId}`, retriable: true });
      }
    }
    return found;
  }

  /** Brokers before 3.0: one FindCoordinator per group, through kafkajs. */
  private async findOneByOne(groupIds: readonly string[]): Promise<Map<string, number | GroupFailure>> {
    const found = new Map<string, number | GroupFailure>();
    await Promise.all(
      groupIds.map(async (groupId) => {
        try {
          const { coordinator } = await this.cluster.findGroupCoordinatorMetadata({ groupId });
          found.set(groupId, coordinator.nodeId);
        } catch (error) {
          const retriable = (error as { retriable?: boolean }).retriable ?? true;
          found.set(groupId, {
            message: `cannot find the coordinator of group ${groupId}: ${describeError(error)}`,
            retriable,
          });
        }
      }),
    );
    return found;
  }
}
