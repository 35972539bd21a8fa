import { Command, Option } from 'commander';
import { z } from 'zod';
import { formatProblem, schemaProblems } from '../lambdas/domain/config/schema-issues';
import { ConfigError } from './errors';

export { ConfigError } from './errors';

/** The hospital departments that each run a consumer group on `patient-checkout`. */
export const departments = ['billing', 'housekeeping', 'pharmacy'] as const;
/** A hospital department (selects the processing step). */
export type Department = (typeof departments)[number];

/**
 * How processed offsets become committed offsets. All but `unsafe-commit-before-process` are
 * at-least-once; `transactional` is exactly-once from the input topic to the output topic.
 */
export const commitStrategies = [
  'auto',
  'sync-batch',
  'async',
  'per-message',
  'transactional',
  'unsafe-commit-before-process',
] as const;
/** One of {@link commitStrategies}. */
export type CommitStrategyName = (typeof commitStrategies)[number];

interface FieldSource {
  readonly env: string;
  readonly flag: string;
  readonly help: string;
}

/** Where each field comes from: an environment variable (ECS task definition) or a CLI flag (local runs). */
const sources = {
  brokers: { env: 'KAFKA_BROKERS', flag: '--brokers', help: 'comma-separated host:port list, e.g. 127.0.0.1:9092' },
  department: { env: 'DEPARTMENT', flag: '--department', help: `one of ${departments.join(', ')}` },
  group: { env: 'CONSUMER_GROUP', flag: '--group', help: 'Kafka group id (default: the department)' },
  topic: { env: 'KAFKA_TOPIC', flag: '--topic', help: 'input topic (default patient-checkout)' },
  strategy: { env: 'COMMIT_STRATEGY', flag: '--strategy', help: `one of ${commitStrategies.join(', ')}` },
  batchSize: { env: 'BATCH_SIZE', flag: '--batch-size', help: 'records per processing chunk and commit (1-10000)' },
  autoCommitIntervalMs: {
    env: 'AUTO_COMMIT_INTERVAL_MS',
    flag: '--auto-commit-interval-ms',
    help: 'interval of the auto strategy in ms (100-60000)',
  },
  asyncMaxUncommitted: {
    env: 'ASYNC_MAX_UNCOMMITTED',
    flag: '--async-max-uncommitted',
    help: 'async strategy: records processed but not yet acknowledged before processing waits (>= batch size)',
  },
  processingTimeMs: {
    env: 'PROCESSING_TIME_MS',
    flag: '--processing-time-ms',
    help: 'simulated work per record in ms (0-60000)',
  },
  outputTopic: { env: 'OUTPUT_TOPIC', flag: '--output-topic', help: 'where the transactional strategy writes results' },
  transactionalIdPrefix: {
    env: 'TRANSACTIONAL_ID_PREFIX',
    flag: '--transactional-id-prefix',
    help: 'prefix of the per-partition transactional ids <prefix>-<topic>-<partition> (default: the group)',
  },
  transactionTimeoutMs: {
    env: 'TRANSACTION_TIMEOUT_MS',
    flag: '--transaction-timeout-ms',
    help: 'how long an abandoned transaction blocks read_committed readers (1000-900000)',
  },
  sessionTimeoutMs: {
    env: 'SESSION_TIMEOUT_MS',
    flag: '--session-timeout-ms',
    help: 'group session timeout in ms (6000-300000, within the broker limits)',
  },
  heartbeatIntervalMs: {
    env: 'HEARTBEAT_INTERVAL_MS',
    flag: '--heartbeat-interval-ms',
    help: 'heartbeat interval in ms, below a third of the session timeout',
  },
  shutdownTimeoutMs: {
    env: 'SHUTDOWN_TIMEOUT_MS',
    flag: '--shutdown-timeout-ms',
    help: 'graceful shutdown bound in ms; keep it below the ECS stopTimeout (default 25000 of 30000)',
  },
  healthPort: { env: 'HEALTH_PORT', flag: '--health-port', help: 'HTTP health port on 127.0.0.1, 0 = off' },
  progressIntervalMs: {
    env: 'PROGRESS_INTERVAL_MS',
    flag: '--progress-interval-ms',
    help: 'how often a progress log line is written in ms (0 = only on events)',
  },
  processedIdsFile: {
    env: 'PROCESSED_IDS_FILE',
    flag: '--processed-ids-file',
    help: 'append "key partition offset" of each processed record to this file (tests, demos)',
  },
  clientId: { env: 'KAFKA_CLIENT_ID', flag: '--client-id', help: 'kafkajs client id' },
  logLevel: { env: 'LOG_LEVEL', flag: '--log-level', help: 'DEBUG, INFO, WARN or ERROR' },
} as const satisfies Record<string, FieldSource>;

type Field = keyof typeof sources;

const integer = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const schema = z
  .object({
    brokers: z
      .string()
      .transform((value) => value.split(',').map((broker) => broker.trim()))
      .pipe(z.array(z.string().regex(/^[^\s:]+:\d{1,5}$/, 'each broker must be host:port')).min(1)),
    department: z.enum(departments).default('billing'),
    group: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,249}$/, 'letters, digits, ".", "_" and "-" only')
      .optional(),
    topic: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,249}$/, 'letters, digits, ".", "_" and "-" only')
      .default('patient-checkout'),
    strategy: z.enum(commitStrategies).default('sync-batch'),
    batchSize: integer(1, 10_000).default(500),
    autoCommitIntervalMs: integer(100, 60_000).default(5000),
    asyncMaxUncommitted: integer(1, 1_000_000).optional(),
    processingTimeMs: z.coerce.number().min(0).max(60_000).default(0),
    outputTopic: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,249}$/)
      .optional(),
    transactionalIdPrefix: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,200}$/, 'letters, digits, ".", "_" and "-" only')
      .optional(),
    transactionTimeoutMs: integer(1000, 900_000).default(30_000),
    sessionTimeoutMs: integer(6000, 300_000).default(30_000),
    heartbeatIntervalMs: integer(100, 100_000).default(3000),
    shutdownTimeoutMs: integer(1000, 120_000).default(25_000),
    healthPort: integer(0, 65_535).default(0),
    progressIntervalMs: integer(0, 3_600_000).default(10_000),
    processedIdsFile: z.string().min(1).optional(),
    clientId: z.string().min(1).default('lag-consumer'),
    logLevel: z
      .string()
      .transform((value) => value.toUpperCase())
      .pipe(z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']))
      .default('INFO'),
  })
  .superRefine((config, ctx) => {
    if (config.strategy === 'transactional' && config.outputTopic === undefined) {
      ctx.addIssue({ code: 'custom', path: ['outputTopic'], message: 'required by the transactional strategy' });
    }
    if (config.outputTopic !== undefined && config.outputTopic === config.topic) {
      ctx.addIssue({ code: 'custom', path: ['outputTopic'], message: 'must differ from the input topic' });
    }
    if (config.heartbeatIntervalMs * 3 > config.sessionTimeoutMs) {
      ctx.addIssue({
        code: 'custom',
        path: ['heartbeatIntervalMs'],
        message: `must be at most a third of the session timeout (${config.sessionTimeoutMs} ms)`,
      });
    }
    if (config.asyncMaxUncommitted !== undefined && config.asyncMaxUncommitted < config.batchSize) {
      ctx.addIssue({
        code: 'custom',
        path: ['asyncMaxUncommitted'],
        message: `must be at least the batch size (${config.batchSize})`,
      });
    }
  });

/** A validated consumer configuration. */
export interface ConsumerConfig {
  readonly brokers: readonly string[];
  readonly department: Department;
  readonly group: string;
  readonly topic: string;
  readonly strategy: CommitStrategyName;
  /** Records per processing chunk; the batched strategies commit (at least) once per chunk. */
  readonly batchSize: number;
  readonly autoCommitIntervalMs: number;
  /** Async strategy backpressure: processing waits while this many records are unacknowledged. */
  readonly asyncMaxUncommitted: number;
  readonly processingTimeMs: number;
  readonly outputTopic: string | undefined;
  /** Transactional ids are `<prefix>-<topic>-<partition>`: one producer per input partition, so a partition's new owner fences the old one. */
  readonly transactionalIdPrefix: string;
  readonly transactionTimeoutMs: number;
  readonly sessionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly shutdownTimeoutMs: number;
  /** 0 = no HTTP health endpoint. */
  readonly healthPort: number;
  /** 0 = progress is logged only on events. */
  readonly progressIntervalMs: number;
  readonly processedIdsFile: string | undefined;
  readonly clientId: string;
  readonly logLevel: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
}

/** Raw values by field, as strings (from the environment or the command line). */
export type RawConfig = Partial<Record<Field, string>>;

function describeValue(value: unknown): string {
  return value === undefined ? 'nothing' : JSON.stringify(value);
}

/** Zod's wording for the common cases, in the words of a configuration file. */
function explain(issue: z.core.$ZodIssue, value: unknown): string {
  if (issue.code === 'invalid_type' && value === undefined) return 'required';
  if (issue.code === 'invalid_type' && issue.expected === 'number') return 'must be a number';
  return issue.message;
}

/**
 * Validates raw settings. Every field problem is reported at once (rules across fields, such as
 * "transactional needs an output topic", once the fields are valid), each naming the environment
 * variable and flag, the value that was given and what would be accepted.
 */
export function parseConfig(raw: RawConfig): ConsumerConfig {
  // Empty strings are what an unset variable in a task definition looks like: treat them as absent.
  const present = Object.fromEntries(Object.entries(raw).filter(([, value]) => value !== undefined && value !== ''));
  const result = schema.safeParse(present);
  if (!result.success) {
    const sourceOf = (path: readonly PropertyKey[]) => {
      const field = String(path[0] ?? '');
      return { field, source: field in sources ? sources[field as Field] : undefined };
    };
    const label = (path: readonly PropertyKey[]): string => {
      const { field, source } = sourceOf(path);
      return source ? `${source.env} / ${source.flag}` : field || 'config';
    };
    const words = (issue: z.core.$ZodIssue): string => {
      const { field, source } = sourceOf(issue.path);
      const fix = source ? ` Fix: set ${source.env} or ${source.flag} to ${source.help}.` : '';
      return `${explain(issue, present[field])} (got ${describeValue(present[field])}).${fix}`;
    };
    throw new ConfigError(
      schemaProblems(result.error, undefined, words).map((problem) => formatProblem(problem, { label })),
    );
  }
  const config = result.data;
  return {
    ...config,
    group: config.group ?? config.department,
    asyncMaxUncommitted: config.asyncMaxUncommitted ?? config.batchSize * 3,
    outputTopic: config.outputTopic,
    transactionalIdPrefix: config.transactionalIdPrefix ?? config.group ?? config.department,
    processedIdsFile: config.processedIdsFile,
  };
}

/** Reads the environment variables of {@link sources}. */
export function rawConfigFromEnv(env: Readonly<Record<string, string | undefined>>): RawConfig {
  return Object.fromEntries((Object.keys(sources) as Field[]).map((field) => [field, env[sources[field].env]]));
}

/**
 * Parses the command line over the environment: a flag wins over its variable, so a task
 * definition sets defaults and a local run overrides them.
 */
export function configFromCommandLine(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): ConsumerConfig {
  const program = new Command()
    .name('lag-consumer')
    .description('Reference Kafka consumer for the lag autoscaler (hospital example)')
    .exitOverride()
    .configureOutput({ writeErr: () => undefined, writeOut: (text) => process.stdout.write(text) })
    .allowExcessArguments(false);
  for (const field of Object.keys(sources) as Field[]) {
    const source = sources[field];
    // Commander camel-cases the flag (--batch-size -> batchSize), which is the field name.
    program.addOption(new Option(`${source.flag} <value>`, `${source.help} [env ${source.env}]`));
  }
  program.parse([...argv], { from: 'user' });
  const flags = program.opts<RawConfig>();
  return parseConfig({ ...rawConfigFromEnv(env), ...flags });
}
