import { ProjectError } from '../lambdas/domain/errors';

/** Thrown at synth time when the props cannot work; lists every problem with the prop and the fix. */
export class KafkaLagScalerPropsError extends ProjectError {
  override name = 'KafkaLagScalerPropsError';
  constructor(
    /** The construct whose props were rejected. */
    readonly constructPath: string,
    /** One line per problem: the prop path, what is wrong, and the fix. */
    readonly problems: readonly string[],
  ) {
    super(`KafkaLagScaler '${constructPath}': invalid props:\n  ${problems.join('\n  ')}`);
  }
}

/** The prebuilt handler bundle is not where the construct looks for it (a clone that was not built). */
export class HandlerBundleMissingError extends ProjectError {
  override name = 'HandlerBundleMissingError';
  constructor(readonly searched: readonly string[]) {
    super(
      `the prebuilt Lambda handler (index.mjs) is missing; looked in ${searched.join(', ')}. ` +
        'In a clone of the repository run `npm run build`; an installed package always contains it (reinstall it).',
    );
  }
}

/** Thrown at synth time when a ConsumerService's props cannot work. */
export class ConsumerServicePropsError extends ProjectError {
  override name = 'ConsumerServicePropsError';
}
