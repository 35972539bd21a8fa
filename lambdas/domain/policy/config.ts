/**
 * The scaling policy's configuration: one zod schema, reused by the CDK props, the Lambda environment and
 * the simulator. Every field has a documented default; unknown fields are rejected so a typo never
 * silently falls back to a default.
 */
// The namespace import lets bundlers drop what is unused (zod's locales alone are ~360 KB).
import * as z from 'zod';
import { formatSchemaError } from '../config/schema-issues';

const positiveSeconds = (field: string) =>
  z
    .number({ error: `${field} must be a number of seconds` })
    .positive({ error: `${field} must be greater than 0 (seconds); use a positive number such as 60` });

const nonNegativeSeconds = (field: string) =>
  z
    .number({ error: `${field} must be a number of seconds` })
    .nonnegative({ error: `${field} must be 0 or more (seconds)` });

const taskCount = (field: string) =>
  z
    .number({ error: `${field} must be a whole number of tasks` })
    .int({ error: `${field} must be a whole number of tasks` })
    .nonnegative({ error: `${field} must be 0 or more tasks` });

/** The policy configuration schema (strict: unknown fields are errors). */
export const PolicyConfigSchema = z
  .strictObject({
    /** Clear the scalable backlog within this many seconds while absorbing production. @default 300 */
    drainTargetSeconds: positiveSeconds('drainTargetSeconds').default(300),
    /**
     * Messages of lag one task is expected to handle; used only while no consumption rate is known
     * (cold start, after scale from zero): tasks = ceil(scalableLag / lagPerTaskThreshold). @default 10000
     */
    lagPerTaskThreshold: z
      .number({ error: 'lagPerTaskThreshold must be a number of messages' })
      .positive({ error: 'lagPerTaskThreshold must be greater than 0 messages; use e.g. 10000' })
      .default(10_000),
    /**
     * Share of a task's measured capacity the busiest member may spend on production alone. The rest is
     * headroom for noise between two ticks; it can stay small because lag that does build up on the
     * busiest member is measured every tick and sized away by the drain target. @default 0.95
     */
    targetUtilization: z
      .number({ error: 'targetUtilization must be a number' })
      .gt(0, { error: 'targetUtilization must be greater than 0 and at most 1; use e.g. 0.9' })
      .max(1, { error: 'targetUtilization must be greater than 0 and at most 1; use e.g. 0.9' })
      .default(0.95),
    /** Fewest tasks while the group has work (scale to zero is separate). @default 1 */
    minTasks: taskCount('minTasks')
      .min(1, { error: 'minTasks must be at least 1; to allow zero tasks set scaleToZero: true instead' })
      .default(1),
    /** Most tasks ever. The partition count caps it too unless allowIdleConsumers. @default 64 */
    maxTasks: taskCount('maxTasks').min(1, { error: 'maxTasks must be at least 1' }).default(64),
    /** Let minTasks exceed the partition count (idle standby members). @default false */
    allowIdleConsumers: z.boolean({ error: 'allowIdleConsumers must be true or false' }).default(false),
    /** Scale to zero tasks when idle, and back when lag exceeds activationLag. @default false */
    scaleToZero: z.boolean({ error: 'scaleToZero must be true or false' }).default(false),
    /** Scalable lag (messages) above which a group at zero tasks is started again. @default 0 */
    activationLag: z
      .number({ error: 'activationLag must be a number of messages' })
      .nonnegative({ error: 'activationLag must be 0 or more messages' })
      .default(0),
    /**
     * How long consumption pauses on a membership change; weighed against drain time saved. Measured
     * by `npm run bench:rebalance` (kafkajs, eager protocol, local broker: 0.06-0.25 s, rounded up to
     * 1 s); raise it for consumers that finish long in-flight work before rejoining. @default 1
     */
    rebalancePauseSeconds: nonNegativeSeconds('rebalancePauseSeconds').default(1),
    /**
     * The same pause for a consumer-protocol (KIP-848) group, where only the partitions that move stop
     * and the rest keep consuming. Measured by `npm run bench:rebalance -- --protocol consumer` (Kafka's
     * Java client, Kafka 4.1.1, local broker). @default 1
     */
    consumerProtocolRebalancePauseSeconds: nonNegativeSeconds('consumerProtocolRebalancePauseSeconds').default(1),
    /**
     * Seconds from asking for a task to its consuming (ECS placement, image pull, boot, group join).
     * Sizing counts the backlog that builds meanwhile. @default 60
     */
    taskStartSeconds: nonNegativeSeconds('taskStartSeconds').default(60),
    /** After a scale-out, no further scale-out for this long. @default 60 */
    scaleOutCooldownSeconds: nonNegativeSeconds('scaleOutCooldownSeconds').default(60),
    /** After any scale action, no scale-in for this long. @default 300 */
    scaleInCooldownSeconds: nonNegativeSeconds('scaleInCooldownSeconds').default(300),
    /**
     * Scale in only to the highest production need recommended over this window (HPA uses 300 s too;
     * a drained backlog no longer counts, so a burst is not held for the window). @default 300
     */
    scaleInStabilizationSeconds: nonNegativeSeconds('scaleInStabilizationSeconds').default(300),
    /** Most tasks added in one step; absent = no bound. Rounded up to the next useful count. */
    maxStepUp: taskCount('maxStepUp')
      .min(1, { error: 'maxStepUp must be at least 1 task (or leave it out)' })
      .optional(),
    /** Most tasks removed in one step; absent = no bound. Rounded to the next useful count. */
    maxStepDown: taskCount('maxStepDown')
      .min(1, { error: 'maxStepDown must be at least 1 task (or leave it out)' })
      .optional(),
    /** How long to wait for the group to settle before deciding anyway. @default 300 */
    settleTimeoutSeconds: positiveSeconds('settleTimeoutSeconds').default(300),
    /**
     * Length of the lag engine's rate window: a per-task consumption rate is trusted as capacity only
     * after the group has been settled this long, so a rebalance pause does not read as slowness. @default 60
     */
    rateWindowSeconds: positiveSeconds('rateWindowSeconds').default(60),
    /**
     * The consumers' partition assignor. Only used to find a task count that gives a partition no
     * count can drain a member of its own (range: Kafka's Java default; roundrobin: kafkajs's default;
     * any other: only one partition per task guarantees it). @default 'range'
     */
    assignor: z
      .enum(['range', 'roundrobin', 'cooperative-sticky', 'uniform'], {
        error: "assignor must be 'range', 'roundrobin', 'cooperative-sticky' or 'uniform'",
      })
      .default('range'),
    /** Decide and record, but mark every decision as not to be acted on. @default false */
    dryRun: z.boolean({ error: 'dryRun must be true or false' }).default(false),
  })
  .superRefine((config, ctx) => {
    if (config.minTasks > config.maxTasks) {
      ctx.addIssue({
        code: 'custom',
        path: ['minTasks'],
        message: `minTasks (${config.minTasks}) is greater than maxTasks (${config.maxTasks}); lower minTasks or raise maxTasks`,
      });
    }
  });

/** A validated policy configuration, defaults applied. */
export type PolicyConfig = z.output<typeof PolicyConfigSchema>;

/** What a caller may write: every field optional. */
export type PolicyConfigInput = z.input<typeof PolicyConfigSchema>;

/** Result of parsing a configuration: the config, or one readable line per problem. */
export type PolicyConfigParseResult =
  { readonly ok: true; readonly config: PolicyConfig } | { readonly ok: false; readonly errors: readonly string[] };

/**
 * Parse and validate a policy configuration from any source (CDK props, env JSON, CLI, trace file).
 * Errors name the field, the bad value where there is one, and the fix.
 */
export function parsePolicyConfig(raw: unknown): PolicyConfigParseResult {
  const result = PolicyConfigSchema.safeParse(raw ?? {});
  if (result.success) return { ok: true, config: result.data };
  return {
    ok: false,
    errors: formatSchemaError(result.error, {
      root: '(policy)',
      unknownFieldsFix: 'remove them or check the spelling against PolicyConfigSchema',
    }),
  };
}

/** Parse, or throw an Error listing every problem: for composition roots that must fail loudly. */
export function policyConfigOrThrow(raw: unknown): PolicyConfig {
  const result = parsePolicyConfig(raw);
  if (result.ok) return result.config;
  throw new Error(`invalid policy config:\n  ${result.errors.join('\n  ')}`);
}

/** The configuration with every default applied. */
export const defaultPolicyConfig: PolicyConfig = PolicyConfigSchema.parse({});
