/**
 * The scaler's whole configuration: which Kafka clusters, which consumer groups drive which ECS
 * services, and each target's policy. One schema serves the CDK construct (validated at synth
 * time), the Lambda (validated at cold start, see delivery.ts) and the local CLI.
 */
// The namespace import lets bundlers drop what is unused (zod's locales alone are ~360 KB).
import * as z from 'zod';
import { describeError, ProjectError } from '../errors';
import { formatProblem, schemaProblems, type SchemaProblem } from './schema-issues';
import { PolicyConfigSchema } from '../policy/config';
import { BROKER_EXAMPLE, brokerAddressProblem, iamNameProblem, topicNameProblem } from './kafka-names';

const brokerAddress = z.string().superRefine((address, ctx) => {
  const problem = brokerAddressProblem(address);
  if (problem !== undefined)
    ctx.addIssue({ code: 'custom', message: `must be host:port ('${address}': ${problem}), e.g. ${BROKER_EXAMPLE}` });
});

const topicName = z.string().superRefine((topic, ctx) => {
  const problem = topicNameProblem(topic);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
});

const KafkaAuthSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('none') }),
  z.strictObject({
    type: z.literal('sasl-scram'),
    mechanism: z.enum(['scram-sha-256', 'scram-sha-512']).default('scram-sha-512'),
    /** A Secrets Manager secret holding {"username": "...", "password": "..."} (MSK's convention). */
    secretArn: z.string().min(1, { error: 'secretArn: give the ARN of the secret with username and password' }),
  }),
  z.strictObject({
    type: z.literal('msk-iam'),
    /** Region of the MSK cluster; @default the function's own region */
    region: z.string().min(1).optional(),
  }),
  z.strictObject({
    type: z.literal('sasl-plain'),
    secretArn: z.string().min(1, { error: 'secretArn: give the ARN of the secret with username and password' }),
  }),
]);

export const KafkaConnectionSchema = z.strictObject({
  // MSK gives its bootstrap brokers as one comma-joined string: entries may hold several.
  brokers: z
    .array(z.string())
    .transform((list) => list.flatMap((entry) => entry.split(',').map((b) => b.trim())).filter((b) => b !== ''))
    .pipe(z.array(brokerAddress).min(1, { error: 'give at least one broker as host:port' })),

  /** TLS to the brokers (required by MSK's SASL/SCRAM listener on 9096). @default false */
  tls: z.boolean().default(false),
  auth: KafkaAuthSchema.default({ type: 'none' }),
});

/** The connection of one Kafka cluster, defaults applied. */
export type KafkaConnection = z.output<typeof KafkaConnectionSchema>;

/** The name of the cluster `kafka` configures: targets without `kafkaCluster` are read from it. */
export const DEFAULT_KAFKA_CLUSTER = 'default';

const name = (what: string) =>
  z
    .string({ error: `${what} must be a string` })
    .min(1, { error: `${what} must not be empty` })
    .max(255, { error: `${what} must be at most 255 characters` });

const CLUSTER_NAME = /^[A-Za-z0-9._-]{1,255}$/;
const clusterName = (what: string) =>
  name(what).regex(CLUSTER_NAME, { error: `${what} may use letters, digits, . _ and - only` });

export const TargetSchema = z.strictObject({
  /** Names the target in metrics, logs and state; unique. @default the consumer group */
  id: name('id')
    .regex(/^[A-Za-z0-9._-]+$/, { error: 'id may use letters, digits, . _ and - only' })
    .optional(),
  group: name('group'),
  /** The Kafka cluster of the group: a name in `kafkaClusters`. @default the cluster `kafka` configures */
  kafkaCluster: clusterName('kafkaCluster').optional(),
  /** Topics to measure; @default every topic the group has committed offsets on */
  topics: z.array(topicName).optional(),
  /** read_committed consumers are measured against the last stable offset. @default 'read_uncommitted' */
  isolation: z.enum(['read_uncommitted', 'read_committed']).default('read_uncommitted'),
  /** What a partition without a committed offset will be read from (as the consumer's auto.offset.reset). @default 'latest' */
  offsetResetPolicy: z.enum(['earliest', 'latest']).default('latest'),
  service: z.strictObject({ cluster: name('service.cluster'), service: name('service.service') }),
  policy: PolicyConfigSchema.default(PolicyConfigSchema.parse({})),
});

export const ScalerConfigSchema = z
  .strictObject({
    /** The Kafka cluster (named `default`) of every target that names no other. */
    kafka: KafkaConnectionSchema.optional(),
    /** More Kafka clusters by name; a target names its own with `kafkaCluster`. */
    kafkaClusters: z.record(z.string(), KafkaConnectionSchema).optional(),
    targets: z.array(TargetSchema).min(1, { error: 'give at least one target (consumer group -> ECS service)' }),
    /** CloudWatch namespace of every metric. @default 'KafkaLagAutoscaler' */
    metricsNamespace: name('metricsNamespace').default('KafkaLagAutoscaler'),
    /** Publish per-partition metrics too (they cost more). @default false */
    partitionMetrics: z.boolean().default(false),
    /** Poll again within one invocation every this many seconds (0: once per invocation). @default 0 */
    pollIntervalSeconds: z.number().int().nonnegative().max(50).default(0),
    /** Targets handled at once. @default 8 */
    concurrency: z.number().int().min(1).max(64).default(8),
    /** Decide and record everything, change no service. @default false */
    dryRun: z.boolean().default(false),
    /**
     * Above this many targets one invocation is not enough: the targets are split into shards of at
     * most this many, each of one Kafka cluster, run in parallel (the construct's state machine). @default 1000
     */
    maxTargetsPerInvocation: z.number().int().min(1).max(100_000).default(1000),
  })
  .superRefine((config, ctx) => {
    clusterIssues(config).forEach((issue) => ctx.addIssue({ code: 'custom', ...issue }));
    const seen = new Set<string>();
    config.targets.forEach((target, index) => {
      const id = target.id ?? target.group;
      if (seen.has(id)) {
        ctx.addIssue({
          code: 'custom',
          path: ['targets', index, 'id'],
          message: duplicateIdMessage(id),
        });
      }
      seen.add(id);
      const auth = kafkaClustersOf(config).get(clusterOf(target))?.auth;
      const iamProblem = auth?.type === 'msk-iam' ? iamNameProblem('group', target.group) : undefined;
      if (iamProblem !== undefined)
        ctx.addIssue({ code: 'custom', path: ['targets', index, 'group'], message: iamProblem });
    });
  });

export type ScalerConfig = z.output<typeof ScalerConfigSchema>;
export type ScalerConfigInput = z.input<typeof ScalerConfigSchema>;
export type TargetConfig = ScalerConfig['targets'][number];

export const targetId = (target: Pick<TargetConfig, 'id' | 'group'>): string => target.id ?? target.group;

/** The problem of a target id given twice (the schema's, and the construct's as targets are added one by one). */
export const duplicateIdMessage = (id: string): string =>
  `target id '${id}' is used twice; give each target a unique id`;

/** The name of the Kafka cluster a target's group lives on. */
export const clusterOf = (target: Pick<TargetConfig, 'kafkaCluster'>): string =>
  target.kafkaCluster ?? DEFAULT_KAFKA_CLUSTER;

/** Every configured Kafka cluster by name (`kafka` as `default`), in configuration order. */
export function kafkaClustersOf(
  config: Pick<ScalerConfig, 'kafka' | 'kafkaClusters'>,
): ReadonlyMap<string, KafkaConnection> {
  return new Map([
    ...(config.kafka === undefined ? [] : [[DEFAULT_KAFKA_CLUSTER, config.kafka] as const]),
    ...Object.entries(config.kafkaClusters ?? {}),
  ]);
}

/** The cluster references that cannot work: none configured, a clash with `default`, an unknown name. */
function clusterIssues(config: {
  readonly kafka?: unknown;
  readonly kafkaClusters?: Readonly<Record<string, unknown>>;
  readonly targets: readonly { readonly kafkaCluster?: string }[];
}): { path: PropertyKey[]; message: string }[] {
  const named = Object.keys(config.kafkaClusters ?? {});
  const known = [...(config.kafka === undefined ? [] : [DEFAULT_KAFKA_CLUSTER]), ...named];
  if (known.length === 0) {
    return [{ path: ['kafka'], message: 'give the Kafka connection (kafka), or named clusters (kafkaClusters)' }];
  }
  const issues: { path: PropertyKey[]; message: string }[] = named
    .filter((cluster) => !CLUSTER_NAME.test(cluster))
    .map((cluster) => ({
      path: ['kafkaClusters', cluster],
      message: 'a cluster name may use letters, digits, . _ and - only (1 to 255 characters)',
    }));
  if (config.kafka !== undefined && named.includes(DEFAULT_KAFKA_CLUSTER)) {
    issues.push({
      path: ['kafkaClusters', DEFAULT_KAFKA_CLUSTER],
      message: `'${DEFAULT_KAFKA_CLUSTER}' names the cluster of 'kafka'; rename this cluster`,
    });
  }
  config.targets.forEach((target, index) => {
    const wanted = target.kafkaCluster ?? DEFAULT_KAFKA_CLUSTER;
    if (known.includes(wanted)) return;
    issues.push({
      path: ['targets', index, 'kafkaCluster'],
      message:
        target.kafkaCluster === undefined
          ? `there is no default cluster (kafka); name one of ${named.map((n) => `'${n}'`).join(', ')}`
          : `'${wanted}' is not a configured cluster; use one of ${known.map((n) => `'${n}'`).join(', ')}`,
    });
  });
  return issues;
}

/** The configuration cannot work: every problem with its field path, what is wrong and the fix. */
export class ScalerConfigError extends ProjectError {
  override name = 'ScalerConfigError';
  /** One line per problem, as printed. */
  readonly problems: readonly string[];
  constructor(readonly issues: readonly SchemaProblem[]) {
    const problems = issues.map((issue) => formatProblem(issue, { root: '(config)' }));
    super(`invalid scaler configuration:\n  ${problems.join('\n  ')}`);
    this.problems = problems;
  }
}

/** Validates a configuration; every problem names its field path, the problem and the fix. */
export function parseScalerConfig(raw: unknown): ScalerConfig {
  const result = ScalerConfigSchema.safeParse(raw);
  if (result.success) return result.data;
  throw new ScalerConfigError(schemaProblems(result.error));
}

/** Parses configuration JSON from a variable or a file, naming where it came from when it is not JSON. */
export function parseScalerConfigJson(json: string | undefined, variable: string): ScalerConfig {
  return parseScalerConfig(parseJsonNamed(json, variable, 'the scaler configuration'));
}

/** JSON text from a named source (a variable, an S3 object) as a value; a missing or broken one is named. */
export function parseJsonNamed(json: string | undefined, source: string, what: string): unknown {
  if (json === undefined || json.trim() === '') {
    throw new ScalerConfigError([{ path: [source], message: `not set; it must hold ${what} as JSON` }]);
  }
  try {
    return JSON.parse(json) as unknown;
  } catch (error) {
    throw new ScalerConfigError([{ path: [source], message: `not valid JSON (${describeError(error)})` }]);
  }
}

/** A configuration with every default applied, to compare against (values here are placeholders). */
const defaultsOf = ScalerConfigSchema.parse({
  kafka: { brokers: ['placeholder:1'] },
  targets: [{ group: 'placeholder', service: { cluster: 'placeholder', service: 'placeholder' } }],
});

function withoutDefaults(value: Record<string, unknown>, defaults: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(value).filter(([key, v]) => v !== undefined && JSON.stringify(v) !== JSON.stringify(defaults[key])),
  );
}

/** A connection without its default fields. */
function compactConnection(connection: KafkaConnection): z.input<typeof KafkaConnectionSchema> {
  return {
    brokers: connection.brokers,
    ...withoutDefaults({ tls: connection.tls, auth: connection.auth }, defaultsOf.kafka ?? {}),
  };
}

/**
 * The same configuration without the values that equal their defaults (the configuration the
 * Lambda reads is a file of any size now, but a small file loads and reads faster), since parsing
 * it back restores every default. `parseScalerConfig(compactScalerConfig(c))` equals `c`.
 */
export function compactScalerConfig(config: ScalerConfig): ScalerConfigInput {
  const targetDefaults = defaultsOf.targets[0] ?? {};
  const policyDefaults = defaultsOf.targets[0]?.policy ?? {};
  const clusters = config.kafkaClusters;
  return {
    ...withoutDefaults({ ...config, kafka: undefined, kafkaClusters: undefined, targets: undefined }, defaultsOf),
    ...(config.kafka === undefined ? {} : { kafka: compactConnection(config.kafka) }),
    ...(clusters === undefined
      ? {}
      : {
          kafkaClusters: Object.fromEntries(Object.entries(clusters).map(([n, c]) => [n, compactConnection(c)])),
        }),
    targets: config.targets.map((target) => {
      const policy = withoutDefaults(target.policy, policyDefaults);
      return {
        ...withoutDefaults(
          { isolation: target.isolation, offsetResetPolicy: target.offsetResetPolicy },
          targetDefaults,
        ),
        ...(target.id === undefined ? {} : { id: target.id }),
        group: target.group,
        ...(target.kafkaCluster === undefined ? {} : { kafkaCluster: target.kafkaCluster }),
        ...(target.topics === undefined ? {} : { topics: target.topics }),
        service: target.service,
        ...(Object.keys(policy).length > 0 ? { policy } : {}),
      };
    }),
  };
}
