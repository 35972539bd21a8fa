/**
 * Turns the construct's props into the scaler configuration (the schema the Lambda parses from
 * LAGSCALER_CONFIG) and validates it at synth time, naming props rather than schema paths.
 */
import { Token } from 'aws-cdk-lib';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import {
  ScalerConfigError,
  parseScalerConfig,
  type ScalerConfig,
  type ScalerConfigInput,
} from '../lambdas/domain/config/scaler-config';
import type { PolicyConfigInput } from '../lambdas/domain/policy/config';
import { formatPath, formatProblem } from '../lambdas/domain/config/schema-issues';
import { ProjectError } from '../lambdas/domain/errors';
import type { KafkaConnectionProps } from './kafka-connection';
import type { ScalerAlarmsProps } from './scaler-alarms';

/** An ECS service imported by name (it may live in another stack or outside CDK). */
export interface ServiceByName {
  /** Name of the ECS cluster. */
  readonly clusterName: string;
  /** Name of the service in that cluster. */
  readonly serviceName: string;
}

/** The ECS service a target scales: a CDK service, or one named by cluster and service. */
export type ScaledService = ecs.IBaseService | ServiceByName;

/** One consumer group and the ECS service whose tasks are its members. */
export interface ScalerTargetProps {
  /** The Kafka consumer group (group.id) of the service's consumers. */
  readonly consumerGroup: string;
  /** The ECS service to scale. */
  readonly service: ScaledService;
  /**
   * Names the target in metrics (`Target` dimension), logs, alarms and the state table; unique.
   * Letters, digits, `.`, `_` and `-`.
   * @default - the consumer group
   */
  readonly id?: string;
  /**
   * Topics to measure.
   * @default - every topic the group has committed offsets on
   */
  readonly topics?: readonly string[];
  /**
   * read_committed consumers are measured against the last stable offset.
   * @default 'read_uncommitted'
   */
  readonly isolation?: 'read_uncommitted' | 'read_committed';
  /**
   * Where a partition without a committed offset will be read from (the consumers' auto.offset.reset).
   * @default 'latest'
   */
  readonly offsetResetPolicy?: 'earliest' | 'latest';
  /**
   * Scaling policy (drainTargetSeconds, minTasks, maxTasks, cooldowns, ...). Every field is optional;
   * the defaults are documented in `lambdas/domain/policy/config.ts`.
   * @default - the policy defaults (drain in 300 s, 1 to 64 tasks, ...)
   */
  readonly policy?: PolicyConfigInput;
  /**
   * Alarm settings for this target, overriding the construct's `alarms` field by field.
   * @default - the construct's `alarms`
   */
  readonly alarms?: ScalerAlarmsProps;
}

/** The part of the props that becomes LAGSCALER_CONFIG. */
export interface ConfigProps {
  readonly kafka: KafkaConnectionProps;
  readonly targets: readonly ScalerTargetProps[];
  readonly metricsNamespace?: string;
  readonly partitionMetrics?: boolean;
  readonly pollIntervalSeconds?: number;
  readonly concurrency?: number;
  readonly dryRun?: boolean;
}

/** Thrown at synth time when the props cannot work; lists every problem with the prop and the fix. */
export class KafkaLagScalerPropsError extends ProjectError {
  override name = 'KafkaLagScalerPropsError';
  constructor(
    readonly constructPath: string,
    readonly problems: readonly string[],
  ) {
    super(`KafkaLagScaler '${constructPath}': invalid props:\n  ${problems.join('\n  ')}`);
  }
}

/** Tells a CDK service from one imported by name. */
export const isCdkService = (service: ScaledService): service is ecs.IBaseService => 'serviceArn' in service;

/** Cluster and service names of a target's service, as the Lambda addresses it. */
export function serviceNames(service: ScaledService): { cluster: string; service: string } {
  return isCdkService(service)
    ? { cluster: service.cluster.clusterName, service: service.serviceName }
    : { cluster: service.clusterName, service: service.serviceName };
}

// Stands in for a deploy-time token while validating: the token's value is unknown at synth.
const TOKEN_BROKER_PLACEHOLDER = 'token.broker.invalid:9092';

/** The raw configuration, before validation; tokens stay in place. */
export function rawConfig(props: ConfigProps): ScalerConfigInput {
  const auth = props.kafka.auth?.spec ?? { type: 'none' as const };
  return {
    kafka: {
      brokers: [...props.kafka.bootstrapBrokers],
      tls: props.kafka.tls ?? false,
      auth:
        auth.type === 'none'
          ? { type: 'none' }
          : auth.type === 'sasl-scram'
            ? { type: 'sasl-scram', mechanism: auth.mechanism, secretArn: auth.secret.secretArn }
            : auth.type === 'sasl-plain'
              ? { type: 'sasl-plain', secretArn: auth.secret.secretArn }
              : { type: 'msk-iam', ...(auth.region === undefined ? {} : { region: auth.region }) },
    },
    targets: props.targets.map((target) => ({
      ...(target.id === undefined ? {} : { id: target.id }),
      group: target.consumerGroup,
      ...(target.topics === undefined ? {} : { topics: [...target.topics] }),
      ...(target.isolation === undefined ? {} : { isolation: target.isolation }),
      ...(target.offsetResetPolicy === undefined ? {} : { offsetResetPolicy: target.offsetResetPolicy }),
      service: serviceNames(target.service),
      ...(target.policy === undefined ? {} : { policy: target.policy }),
    })),
    ...(props.metricsNamespace === undefined ? {} : { metricsNamespace: props.metricsNamespace }),
    ...(props.partitionMetrics === undefined ? {} : { partitionMetrics: props.partitionMetrics }),
    ...(props.pollIntervalSeconds === undefined ? {} : { pollIntervalSeconds: props.pollIntervalSeconds }),
    ...(props.concurrency === undefined ? {} : { concurrency: props.concurrency }),
    ...(props.dryRun === undefined ? {} : { dryRun: props.dryRun }),
  };
}

/**
 * Validates the props through the Lambda's own schema and returns the parsed configuration (defaults
 * applied, tokens preserved), or the problems with schema paths rewritten as prop paths.
 */
export function configFromProps(
  props: ConfigProps,
): { ok: true; config: ScalerConfig } | { ok: false; problems: string[] } {
  const raw = rawConfig(props);
  const tokens = unresolvedTokens(raw).filter(({ path }) => !tokenAllowed(path));
  if (tokens.length > 0) {
    return {
      ok: false,
      problems: tokens.map(({ path, value }) =>
        formatProblem({ path, message: tokenMessage(value) }, { label: (at) => propPath(at, props) }),
      ),
    };
  }
  // Brokers that are tokens cannot be checked now; validate a placeholder and put the token back.
  const checkable = {
    ...raw,
    kafka: {
      ...raw.kafka,
      brokers: raw.kafka.brokers.map((b) => (Token.isUnresolved(b) ? TOKEN_BROKER_PLACEHOLDER : b)),
    },
  };
  try {
    const parsed = parseScalerConfig(checkable);
    return { ok: true, config: { ...parsed, kafka: { ...parsed.kafka, brokers: [...raw.kafka.brokers] } } };
  } catch (error) {
    if (!(error instanceof ScalerConfigError)) throw error;
    return {
      ok: false,
      problems: error.issues.map((issue) => formatProblem(issue, { label: (path) => propPath(path, props) })),
    };
  }
}

/** Every deploy-time token in the raw configuration, with its path (strings and encoded numbers). */
function unresolvedTokens(
  value: unknown,
  path: readonly PropertyKey[] = [],
): { path: PropertyKey[]; value: unknown }[] {
  if (Token.isUnresolved(value)) return [{ path: [...path], value }];
  if (Array.isArray(value)) return value.flatMap((item, index) => unresolvedTokens(item, [...path, index]));
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([key, item]) => unresolvedTokens(item, [...path, key]));
  }
  return [];
}

/**
 * Where a deploy-time token can stand: values only the deployment knows and the Lambda takes as they
 * are (brokers, the secret, the region, a CDK service's names). Everything else is validated and acted
 * on at synth (alarm ids, IAM resources, the policy), so it must be a literal.
 */
function tokenAllowed(path: readonly PropertyKey[]): boolean {
  const [first, second, third] = path;
  if (first === 'kafka')
    return second === 'brokers' || (second === 'auth' && (third === 'secretArn' || third === 'region'));
  return first === 'targets' && third === 'service';
}

function tokenMessage(value: unknown): string {
  const kind = typeof value === 'number' ? 'number' : 'string';
  return `is a deploy-time token (a CfnParameter, an import or another construct's attribute), but the scaler's configuration is checked and fixed at synth; give a literal ${kind} instead (one per environment can come from context: this.node.tryGetContext('...'))`;
}

/** `['targets', 0, 'policy', 'minTasks']` -> `targets[0] (group 'billing').policy.minTasks`: the props' own names. */
function propPath(path: readonly PropertyKey[], props: ConfigProps): string {
  const [first, second, ...rest] = path;
  if (first === 'kafka' && second === 'brokers') return formatPath(['kafka', 'bootstrapBrokers', ...rest]);
  if (first === 'targets' && typeof second === 'number') {
    const group = props.targets[second]?.consumerGroup;
    const renamed = rest[0] === 'group' ? ['consumerGroup', ...rest.slice(1)] : rest;
    const named = group !== undefined && !Token.isUnresolved(group);
    const target = `targets[${second}]${named ? ` (group '${group}')` : ''}`;
    return [target, ...renamed.map((key) => (typeof key === 'number' ? `[${key}]` : String(key)))]
      .join('.')
      .replace(/\.\[/g, '[');
  }
  return formatPath(path) || '(props)';
}
