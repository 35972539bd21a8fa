import * as path from 'node:path';
import { IgnoreMode } from 'aws-cdk-lib';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';

/** The repository root: the consumer image's build context. */
const REPO_ROOT = path.resolve(import.meta.dirname, '..');

/**
 * The reference consumer's image, built by `cdk deploy` from consumer/Dockerfile with the repository
 * root as context (it needs the lock file). Only what the build reads is staged: the root also holds
 * node_modules and cdk.out. It needs this repository, so it belongs to the example, not the package.
 */
export function consumerImageAsset(): ecs.ContainerImage {
  return ecs.ContainerImage.fromAsset(REPO_ROOT, {
    file: path.join('consumer', 'Dockerfile'),
    platform: Platform.LINUX_ARM64,
    ignoreMode: IgnoreMode.DOCKER,
    // The consumer shares two pure files with the Lambda: the error root and the schema-message formatter.
    exclude: [
      '*',
      '!package.json',
      '!package-lock.json',
      '!tsconfig.json',
      '!consumer',
      'consumer/**/*.test.ts',
      '!lambdas/domain/errors.ts',
      '!lambdas/domain/config/schema-issues.ts',
    ],
  });
}
