/**
 * Ships the scaler configuration outside Lambda's 4 KB environment (internal): a JSON file asset
 * (S3, named by its content hash, any size). A value known only at deploy time (the name
 * CloudFormation gives a service, a secret's ARN, an imported broker list) cannot be written into a
 * file at synth: the document holds a placeholder and the environment carries the value
 * (lambdas/domain/config/delivery.ts). The function reads both once per execution environment; a
 * new configuration is a new object key in its environment, so Lambda starts fresh environments
 * that read it (lambdas/adapters/aws/config-source.ts).
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { FileSystem, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import type { Construct } from 'constructs';
import { CONFIG_VARIABLES, referencePlaceholder } from '../lambdas/domain/config/delivery';
import { compactScalerConfig, type ScalerConfig } from '../lambdas/domain/config/scaler-config';
import { formatPath } from '../lambdas/domain/config/schema-issues';

/** Lambda's limit on all environment variables of a function together. */
export const LAMBDA_ENVIRONMENT_LIMIT_BYTES = 4096;
/** What the other variables take (table, log level, the pointer), with room for rendered tokens. */
const OTHER_VARIABLES_BYTES = 700;
/** What one deploy-time value takes once CloudFormation resolves it (a name, an ARN), at most. */
const REFERENCE_BYTES = 130;

/** The document with placeholders, and the deploy-time values (tokens) by variable, with the field each came from. */
export interface DeliveryParts {
  readonly documentJson: string;
  readonly references: readonly { readonly variable: string; readonly value: string; readonly field: string }[];
}

/**
 * The compact configuration with every deploy-time value swapped for a placeholder. A token that
 * resolves to a plain string at synth (a physical name given in the app) is written as that string;
 * the same deploy-time value used twice (a cluster of many services) takes one variable.
 */
export function deliveryParts(scope: Construct, config: ScalerConfig): DeliveryParts {
  const stack = Stack.of(scope);
  const references: { variable: string; value: string; field: string }[] = [];
  const byResolved = new Map<string, string>();
  const walk = (value: unknown, at: PropertyKey[]): unknown => {
    if (typeof value === 'string' && Token.isUnresolved(value)) {
      const resolved: unknown = stack.resolve(value);
      if (typeof resolved === 'string') return resolved;
      const key = JSON.stringify(resolved);
      const known = byResolved.get(key);
      if (known !== undefined) return known;
      const { variable, placeholder } = referencePlaceholder(references.length);
      references.push({ variable, value, field: formatPath(at) });
      byResolved.set(key, placeholder);
      return placeholder;
    }
    if (Array.isArray(value)) return value.map((item, index) => walk(item, [...at, index]));
    if (typeof value === 'object' && value !== null) {
      return Object.fromEntries(Object.entries(value).map(([k, item]) => [k, walk(item, [...at, k])]));
    }
    return value;
  };
  return { documentJson: JSON.stringify(walk(compactScalerConfig(config), [])), references };
}

/** Writes the document, lets the function read exactly that object, and points the function at it. */
export function deliverConfig(
  scope: Construct,
  options: { readonly fn: lambda.Function; readonly role: iam.IRole; readonly config: ScalerConfig },
): s3assets.Asset {
  const { documentJson, references } = deliveryParts(scope, options.config);
  const file = path.join(FileSystem.mkdtemp('kla-config-'), 'scaler-config.json');
  writeFileSync(file, documentJson);
  const asset = new s3assets.Asset(scope, 'Config', { path: file });
  options.role.addToPrincipalPolicy(
    new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [asset.bucket.arnForObjects(asset.s3ObjectKey)] }),
  );
  const fn = options.fn;
  fn.addEnvironment(CONFIG_VARIABLES.bucket, asset.s3BucketName);
  fn.addEnvironment(CONFIG_VARIABLES.key, asset.s3ObjectKey);
  fn.addEnvironment(CONFIG_VARIABLES.sha256, createHash('sha256').update(documentJson).digest('hex'));
  for (const { variable, value } of references) fn.addEnvironment(variable, value);
  return asset;
}

/** Problems with what stays in the environment: only deploy-time values grow it. */
export function environmentProblems(scope: Construct, config: ScalerConfig): string[] {
  const { references } = deliveryParts(scope, config);
  const size = OTHER_VARIABLES_BYTES + references.reduce((sum, r) => sum + r.variable.length + REFERENCE_BYTES, 0);
  if (size <= LAMBDA_ENVIRONMENT_LIMIT_BYTES) return [];
  const fields = references.map((r) => r.field);
  return [
    `KafkaLagScaler '${scope.node.path}': ${references.length} values of the configuration are known only at deploy time (${fields.slice(0, 3).join(', ')}${fields.length > 3 ? ', ...' : ''}) and travel in the function's environment, which holds about ${Math.floor((LAMBDA_ENVIRONMENT_LIMIT_BYTES - OTHER_VARIABLES_BYTES) / (REFERENCE_BYTES + 16))}; give those ECS clusters and services physical names (clusterName, serviceName) or name them with ScaledService.fromServiceName`,
  ];
}
