/**
 * The scaler's whole configuration: which Kafka, which consumer groups drive which ECS services,
 * and each target's policy. One schema serves the CDK construct (validated at synth time), the
 * Lambda (the LAGSCALER_CONFIG environment variable, validated at cold start) and the local CLI.
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

const name = (what: string) =>
  z
    .string({ error: `${what} must be a string` })
    .min(1, { error: `${what} must not be empty` })
    .max(255, { error: `${what} must be at most 255 characters` });

export const TargetSchema = z.strictObject({
  /** Names the target in metrics, logs and state; unique. @default the consumer group */
  id: name('id')
    .regex(/^[A-Za-z0-9._-]+$/, { error: 'id may use letters, digits, . _ and - only' })
    .optional(),
  group: name('group'),
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
    kafka: KafkaConnectionSchema,
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
  })
  .superRefine((config, ctx) => {
    const seen = new Set<string>();
    config.targets.forEach((target, index) => {
      const id = target.id ?? target.group;
      if (seen.has(id)) {
        ctx.addIssue({
          code: 'custom',
          path: ['targets', index, 'id'],
          message: `target id '${id}' is used twice; give each target a unique id`,
        });
      }
      seen.add(id);
      const iamProblem = config.kafka.auth.type === 'msk-iam' ? iamNameProblem('group', target.group) : undefined;
      if (iamProblem !== undefined)
        ctx.addIssue({ code: 'custom', path: ['targets', index, 'group'], message: iamProblem });
    });
  });

export type ScalerConfig = z.output<typeof ScalerConfigSchema>;
export type ScalerConfigInput = z.input<typeof ScalerConfigSchema>;
export type TargetConfig = ScalerConfig['targets'][number];

export const targetId = (target: Pick<TargetConfig, 'id' | 'group'>): string => target.id ?? target.group;

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

/** Parses the JSON the Lambda receives in its environment, naming the variable when it is not JSON. */
export function parseScalerConfigJson(json: string | undefined, variable: string): ScalerConfig {
  if (json === undefined || json.trim() === '') {
    throw new ScalerConfigError([
      { path: [variable], message: 'not set; it must hold the scaler configuration as JSON' },
    ]);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (error) {
    throw new ScalerConfigError([{ path: [variable], message: `not valid JSON (${describeError(error)})` }]);
  }
  return parseScalerConfig(raw);
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

/**
 * The same configuration without the values that equal their defaults: what the Lambda's
 * environment carries (4 KB in all), since parsing it back restores every default.
 * `parseScalerConfig(compactScalerConfig(c))` equals `c`.
 */
export function compactScalerConfig(config: ScalerConfig): ScalerConfigInput {
  const targetDefaults = defaultsOf.targets[0] ?? {};
  const policyDefaults = defaultsOf.targets[0]?.policy ?? {};
  return {
    ...withoutDefaults({ ...config, kafka: undefined, targets: undefined }, defaultsOf),
    kafka: {
      brokers: config.kafka.brokers,
      ...withoutDefaults({ tls: config.kafka.tls, auth: config.kafka.auth }, defaultsOf.kafka),
    },
    targets: config.targets.map((target) => {
      const policy = withoutDefaults(target.policy, policyDefaults);
      return {
        ...withoutDefaults(
          { isolation: target.isolation, offsetResetPolicy: target.offsetResetPolicy },
          targetDefaults,
        ),
        ...(target.id === undefined ? {} : { id: target.id }),
        group: target.group,
        ...(target.topics === undefined ? {} : { topics: target.topics }),
        service: target.service,
        ...(Object.keys(policy).length > 0 ? { policy } : {}),
      };
    }),
  };
}
