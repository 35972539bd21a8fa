/**
 * Turns the construct's props and targets into the scaler configuration (the schema the Lambda parses
 * from LAGSCALER_CONFIG) and validates them at synth time, naming props rather than schema paths.
 * Internal: not part of the package's API.
 */
import { Token } from 'aws-cdk-lib';
import {
  duplicateIdMessage,
  ScalerConfigError,
  parseScalerConfig,
  targetId,
  type ScalerConfig,
  type ScalerConfigInput,
  type TargetConfig,
} from '../lambdas/domain/config/scaler-config';
import { formatPath, formatProblem } from '../lambdas/domain/config/schema-issues';
import type { PolicyConfigInput } from '../lambdas/domain/policy/config';
import type { KafkaConnectionProps } from './kafka-connection';
import type { ScalingPolicyProps } from './scaling-policy-props';

/** The construct-level props that become the scaler configuration. */
export interface BaseConfigProps {
  readonly kafka?: KafkaConnectionProps;
  readonly kafkaClusters?: Readonly<Record<string, KafkaConnectionProps>>;
  readonly maxTargetsPerInvocation?: number;
  readonly metricsNamespace?: string;
  readonly partitionMetrics?: boolean;
  readonly pollIntervalSeconds?: number;
  readonly concurrency?: number;
  readonly dryRun?: boolean;
}

/** A target's fields that become its part of the configuration, its service already named. */
export interface TargetConfigProps {
  readonly targetId?: string;
  readonly consumerGroup: string;
  readonly kafkaCluster?: string;
  readonly topics?: readonly string[];
  readonly isolation?: string;
  readonly offsetResetPolicy?: string;
  readonly service: { readonly clusterName: string; readonly serviceName: string };
  readonly policy?: ScalingPolicyProps;
}

/** The configuration without its targets: what the construct validates before any target exists. */
export type BaseConfig = Omit<ScalerConfig, 'targets'>;

type RawTarget = ScalerConfigInput['targets'][number];
type RawBase = Omit<ScalerConfigInput, 'targets'>;

type SameKeys<A, B> = [Exclude<keyof A, keyof B>, Exclude<keyof B, keyof A>] extends [never, never] ? true : false;
/**
 * Compile-time check: ScalingPolicyProps names exactly the policy schema's fields, with compatible
 * types. When the schema gains a field, typecheck fails here until the props document it too.
 */
export type PolicyPropsMatchSchema = [SameKeys<ScalingPolicyProps, PolicyConfigInput>, ScalingPolicyProps] extends [
  true,
  PolicyConfigInput,
]
  ? true
  : never;

// Stands in for a deploy-time token while validating: the token's value is unknown at synth.
const TOKEN_BROKER_PLACEHOLDER = 'token.broker.invalid:9092';
// Validates the construct-level props before any target exists (the schema wants at least one).
const PLACEHOLDER_TARGET: RawTarget = { group: 'placeholder', service: { cluster: 'placeholder', service: 'p' } };

type RawConnection = NonNullable<RawBase['kafka']>;

/** One cluster's connection as the schema reads it; broker tokens replaced by a checkable placeholder. */
function rawConnection(props: KafkaConnectionProps): RawConnection {
  const auth = props.auth?._spec ?? { type: 'none' as const };
  return {
    brokers: props.bootstrapBrokers.map((b) => (Token.isUnresolved(b) ? TOKEN_BROKER_PLACEHOLDER : b)),
    tls: props.tls ?? false,
    auth:
      auth.type === 'none'
        ? { type: 'none' }
        : auth.type === 'sasl-scram'
          ? { type: 'sasl-scram', mechanism: auth.mechanism, secretArn: auth.secret.secretArn }
          : auth.type === 'sasl-plain'
            ? { type: 'sasl-plain', secretArn: auth.secret.secretArn }
            : { type: 'msk-iam', ...(auth.region === undefined ? {} : { region: auth.region }) },
  };
}

/** The construct-level part of the raw configuration. */
export function rawBase(props: BaseConfigProps): RawBase {
  const clusters = props.kafkaClusters;
  return {
    ...(props.kafka === undefined ? {} : { kafka: rawConnection(props.kafka) }),
    ...(clusters === undefined
      ? {}
      : { kafkaClusters: Object.fromEntries(Object.entries(clusters).map(([n, c]) => [n, rawConnection(c)])) }),
    ...defined({
      maxTargetsPerInvocation: props.maxTargetsPerInvocation,
      metricsNamespace: props.metricsNamespace,
      partitionMetrics: props.partitionMetrics,
      pollIntervalSeconds: props.pollIntervalSeconds,
      concurrency: props.concurrency,
      dryRun: props.dryRun,
    }),
  };
}

/** A target as the schema reads it. */
export function rawTarget(target: TargetConfigProps): RawTarget {
  return {
    ...defined({
      id: target.targetId,
      kafkaCluster: target.kafkaCluster,
      topics: target.topics === undefined ? undefined : [...target.topics],
      isolation: target.isolation,
      offsetResetPolicy: target.offsetResetPolicy,
      policy: target.policy,
    }),
    group: target.consumerGroup,
    service: { cluster: target.service.clusterName, service: target.service.serviceName },
  } as RawTarget;
}

function defined<T extends Record<string, unknown>>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * Validates the construct-level props (and the targets given with them) through the Lambda's own
 * schema: the parsed base configuration (defaults applied, broker tokens put back), or the problems
 * with schema paths rewritten as prop paths.
 */
export function parseBase(
  props: BaseConfigProps,
  targets: readonly TargetConfigProps[],
): { ok: true; config: BaseConfig } | { ok: false; problems: string[] } {
  // Without a default cluster the placeholder names the first of the named ones.
  const firstCluster = props.kafka === undefined ? Object.keys(props.kafkaClusters ?? {})[0] : undefined;
  const placeholder = { ...PLACEHOLDER_TARGET, ...(firstCluster === undefined ? {} : { kafkaCluster: firstCluster }) };
  const raws = targets.length > 0 ? targets.map(rawTarget) : [placeholder];
  const result = parse(
    rawBase(props),
    raws,
    targets.map((t) => t.consumerGroup),
  );
  if (!result.ok) return result;
  const base: Partial<ScalerConfig> = { ...result.config };
  delete base.targets;
  // Deploy-time broker tokens back in place of the placeholder they were checked as.
  const { kafka, kafkaClusters } = result.config;
  const withBrokers = <T extends { brokers: string[] }>(parsed: T, given: KafkaConnectionProps | undefined): T => ({
    ...parsed,
    brokers: given === undefined ? parsed.brokers : [...given.bootstrapBrokers],
  });
  return {
    ok: true,
    config: {
      ...(base as BaseConfig),
      kafka: kafka === undefined ? undefined : withBrokers(kafka, props.kafka),
      kafkaClusters:
        kafkaClusters === undefined
          ? undefined
          : Object.fromEntries(
              Object.entries(kafkaClusters).map(([n, c]) => [n, withBrokers(c, props.kafkaClusters?.[n])]),
            ),
    },
  };
}

/**
 * Validates one more target next to those already accepted (ids must stay unique): its parsed
 * configuration, or the problems, labelled `targets[<index>] (group '<group>')`.
 */
export function parseTarget(
  props: BaseConfigProps,
  accepted: readonly TargetConfig[],
  target: TargetConfigProps,
): { ok: true; config: TargetConfig } | { ok: false; problems: string[] } {
  // The target is parsed alone (with the construct-level props), so adding n targets costs n parses,
  // not n squared; uniqueness against the accepted ones is checked here with the schema's words.
  const index = accepted.length;
  const result = parse(rawBase(props), [rawTarget(target)], [target.consumerGroup], index);
  const id = target.targetId ?? target.consumerGroup;
  const taken = accepted.some((t) => targetId(t) === id);
  const duplicate = taken
    ? [
        formatProblem(
          { path: ['targets', index, 'id'], message: duplicateIdMessage(id) },
          {
            label: (path) => propPath(path, [...accepted.map((t) => t.group), target.consumerGroup]),
          },
        ),
      ]
    : [];
  if (!result.ok) return { ok: false, problems: [...result.problems, ...duplicate] };
  if (duplicate.length > 0) return { ok: false, problems: duplicate };
  const [config] = result.config.targets;
  if (config === undefined) throw new Error('parseTarget: the schema dropped a target');
  return { ok: true, config };
}

/** Parses through the schema; problems labelled with prop paths, target indexes shifted by `offset`. */
function parse(
  base: RawBase,
  targets: readonly RawTarget[],
  groups: readonly string[],
  offset = 0,
): { ok: true; config: ScalerConfig } | { ok: false; problems: string[] } {
  const shifted = (path: readonly PropertyKey[]): PropertyKey[] =>
    path[0] === 'targets' && typeof path[1] === 'number' ? ['targets', path[1] + offset, ...path.slice(2)] : [...path];
  const shiftedGroups = [...Array<string>(offset).fill(''), ...groups];
  const label = (path: readonly PropertyKey[]): string => propPath(shifted(path), shiftedGroups);
  const tokens = unresolvedTokens({ ...base, targets }).filter(({ path }) => !tokenAllowed(path));
  if (tokens.length > 0) {
    return {
      ok: false,
      problems: tokens.map(({ path, value }) => formatProblem({ path, message: tokenMessage(value) }, { label })),
    };
  }
  try {
    return { ok: true, config: parseScalerConfig({ ...base, targets }) };
  } catch (error) {
    if (!(error instanceof ScalerConfigError)) throw error;
    return {
      ok: false,
      problems: error.issues.map((issue) => formatProblem(issue, { label })),
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
  // A named cluster's connection is shaped like `kafka`: the same fields may be tokens.
  if (first === 'kafkaClusters') return tokenAllowed(['kafka', ...path.slice(2)]);
  if (first === 'kafka')
    return second === 'brokers' || (second === 'auth' && (third === 'secretArn' || third === 'region'));
  return first === 'targets' && third === 'service';
}

function tokenMessage(value: unknown): string {
  const kind = typeof value === 'number' ? 'number' : 'string';
  return `is a deploy-time token (a CfnParameter, an import or another construct's attribute), but the scaler's configuration is checked and fixed at synth; give a literal ${kind} instead (one per environment can come from context: this.node.tryGetContext('...'))`;
}

const TARGET_FIELDS: Readonly<Record<string, string>> = { group: 'consumerGroup', id: 'targetId' };

/** `['targets', 0, 'policy', 'minTasks']` -> `targets[0] (group 'billing').policy.minTasks`: the props' own names. */
function propPath(path: readonly PropertyKey[], groups: readonly string[]): string {
  const [first, second, ...rest] = path;
  if (first === 'kafka' && second === 'brokers') return formatPath(['kafka', 'bootstrapBrokers', ...rest]);
  if (first === 'kafkaClusters' && typeof second === 'string' && rest[0] === 'brokers')
    return formatPath(['kafkaClusters', second, 'bootstrapBrokers', ...rest.slice(1)]);
  if (first === 'targets' && typeof second === 'number') {
    const group = groups[second];
    const [field, ...more] = rest;
    const renamed = field === undefined ? [] : [TARGET_FIELDS[String(field)] ?? field, ...more];
    const named = group !== undefined && !Token.isUnresolved(group);
    const target = `targets[${second}]${named ? ` (group '${group}')` : ''}`;
    return [target, ...renamed.map((key) => (typeof key === 'number' ? `[${key}]` : String(key)))]
      .join('.')
      .replace(/\.\[/g, '[');
  }
  return formatPath(path) || '(props)';
}
