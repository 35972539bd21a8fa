/**
 * Trace files: the production load a simulation replays. JSON, documented in simulator/traces/README.md.
 * Parsing is pure (text in, trace or readable errors out) so the CLI, the bench and tests share it.
 */
import { z } from 'zod';
import { formatSchemaError, parseJsonText } from '#domain/config/schema-issues';

/**
 * Sizes a trace may have. The simulator keeps two offset histories of 8 bytes per partition-second,
 * so duration x partitions is the memory budget; the other limits stop absurd input before anything is
 * allocated for it (a file is checked against `fileBytes` before it is read).
 */
export const traceLimits = {
  /** Bytes (characters, for text already in memory) of a trace file. */
  fileBytes: 10 * 1024 * 1024,
  /** Partitions of one topic, and of all topics together. */
  partitions: 10_000,
  topics: 100,
  /** One production sample lasts at most a day. */
  stepSeconds: 86_400,
  /** Production samples per topic. */
  samples: 100_000,
  /** 31 days. */
  durationSeconds: 31 * 86_400,
  /** Duration x total partitions: 16 bytes each in the simulator, so at most 160 MB of history. */
  partitionSeconds: 10_000_000,
  /** Messages per second (a topic's rate, a task's throughput). */
  ratePerSecond: 1e9,
  initialTasks: 10_000,
  /** Entries of `poisoned`, `dataGaps`, and of one topic's `skew`. */
  entries: 10_000,
} as const;

const rate = z
  .number({ error: 'expected a production rate in messages per second (a number >= 0)' })
  .nonnegative({ error: 'expected a production rate >= 0 messages per second' })
  .max(traceLimits.ratePerSecond, {
    error: `expected a production rate <= ${traceLimits.ratePerSecond} messages per second`,
  });

const weight = z.number({ error: 'expected a weight >= 0' }).nonnegative({ error: 'expected a weight >= 0' });

const weightList = z
  .array(weight)
  .max(traceLimits.partitions, { error: `expected at most ${traceLimits.partitions} weights (one per partition)` });

const partitionCount = z
  .number({ error: 'expected the partition count (a whole number >= 1)' })
  .int({ error: 'expected the partition count (a whole number >= 1)' })
  .min(1, { error: 'expected the partition count (a whole number >= 1)' })
  .max(traceLimits.partitions, { error: `expected at most ${traceLimits.partitions} partitions` });

/** From `fromSecond` on, production is shared by these weights (until the next change). */
const SkewChangeSchema = z.strictObject({
  fromSecond: z
    .number({ error: 'expected a second (a whole number >= 0)' })
    .int({ error: 'expected a whole second' })
    .nonnegative({ error: 'expected a second >= 0' }),
  weights: weightList,
});

const TopicSchema = z.strictObject({
  name: z.string({ error: 'expected the topic name (a string)' }).min(1, { error: 'expected a non-empty topic name' }),
  partitions: partitionCount,
  /** Relative share of the topic's production per partition (skew); default: even. */
  weights: weightList.optional(),
  /** Skew that changes over time: each entry's weights replace the ones in force from its second on. */
  skew: z
    .array(SkewChangeSchema)
    .max(traceLimits.entries, { error: `expected at most ${traceLimits.entries} skew changes` })
    .optional(),
  /** Lag (messages) per partition at second 0. @default 0 */
  initialLagPerPartition: z
    .number({ error: 'expected messages (a number >= 0)' })
    .nonnegative({ error: 'expected messages (a number >= 0)' })
    .max(1e12, { error: 'expected at most 1e12 messages' })
    .default(0),
});

const window = {
  fromSecond: z.number({ error: 'expected a second (number >= 0)' }).nonnegative({ error: 'expected a second >= 0' }),
  untilSecond: z
    .number({ error: 'expected a second (number >= 0)' })
    .nonnegative({ error: 'expected a second >= 0' })
    .optional(),
};

const entries = <T extends z.ZodType>(schema: T, what: string) =>
  z
    .array(schema)
    .max(traceLimits.entries, { error: `expected at most ${traceLimits.entries} ${what}` })
    .default([]);

const TraceObjectSchema = z.strictObject({
  name: z.string({ error: 'expected the trace name (a string)' }).min(1),
  description: z.string({ error: 'expected a description (a string)' }).default(''),
  /** Seconds each production sample lasts (rates are piecewise constant). */
  stepSeconds: z
    .number({ error: 'expected stepSeconds (a whole number >= 1)' })
    .int({ error: 'expected stepSeconds (a whole number >= 1)' })
    .min(1, { error: 'expected stepSeconds (a whole number >= 1)' })
    .max(traceLimits.stepSeconds, { error: `expected stepSeconds <= ${traceLimits.stepSeconds} (one day)` }),
  /** What one consumer task processes per second when it has work (messages/s). */
  taskThroughputPerSecond: z
    .number({ error: 'expected taskThroughputPerSecond (messages per second > 0)' })
    .positive({ error: 'expected taskThroughputPerSecond > 0 messages per second' })
    .max(traceLimits.ratePerSecond, { error: `expected taskThroughputPerSecond <= ${traceLimits.ratePerSecond}` }),
  /** Tasks running at second 0. @default 1 */
  initialTasks: z
    .number({ error: 'expected initialTasks (a whole number >= 0)' })
    .int({ error: 'expected initialTasks (a whole number >= 0)' })
    .nonnegative({ error: 'expected initialTasks (a whole number >= 0)' })
    .max(traceLimits.initialTasks, { error: `expected initialTasks <= ${traceLimits.initialTasks}` })
    .default(1),
  topics: z
    .array(TopicSchema)
    .min(1, { error: 'expected at least one topic' })
    .max(traceLimits.topics, { error: `expected at most ${traceLimits.topics} topics` }),
  /** Per topic name: production rate (messages/s for the whole topic) for each step. */
  production: z.record(
    z.string(),
    z
      .array(rate)
      .min(1, { error: 'expected at least one rate sample' })
      .max(traceLimits.samples, { error: `expected at most ${traceLimits.samples} rate samples` }),
  ),
  /** Partitions whose consumption stops (a poison message): the consumer cannot move past it. */
  poisoned: entries(
    z.strictObject({
      topic: z.string({ error: 'expected the topic name' }),
      partition: z
        .number({ error: 'expected a partition number' })
        .int({ error: 'expected a whole partition number' })
        .nonnegative({ error: 'expected a partition number >= 0' }),
      ...window,
    }),
    'poisoned partitions',
  ),
  /** Windows where the lag read is missing, stale or partial (half the partitions unreadable). */
  dataGaps: entries(
    z.strictObject({
      ...window,
      freshness: z.enum(['missing', 'stale', 'partial'], { error: "expected 'missing', 'stale' or 'partial'" }),
    }),
    'data gaps',
  ),
});

type TraceObject = z.output<typeof TraceObjectSchema>;
type TopicObject = TraceObject['topics'][number];
type IssueSink = { addIssue(issue: { code: 'custom'; path: PropertyKey[]; message: string }): void };

/** Every topic has a rate array, all of the same length; returns that length (undefined if none). */
function checkProduction(trace: TraceObject, ctx: IssueSink): number | undefined {
  const names = new Set(trace.topics.map((topic) => topic.name));
  let length: number | undefined;
  trace.topics.forEach((topic, index) => {
    const samples = trace.production[topic.name];
    if (samples === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['production'],
        message: `expected a rate array for topic '${topic.name}' (topics[${index}])`,
      });
    } else if (length !== undefined && samples.length !== length) {
      ctx.addIssue({
        code: 'custom',
        path: ['production', topic.name],
        message: `expected ${length} samples like the other topics, got ${samples.length}`,
      });
    } else {
      length = samples.length;
    }
  });
  for (const name of Object.keys(trace.production)) {
    if (!names.has(name)) {
      ctx.addIssue({
        code: 'custom',
        path: ['production', name],
        message: `no topic named '${name}' in topics; expected one of ${[...names].join(', ')}`,
      });
    }
  }
  return length;
}

/** A weight list fits its topic: one weight per partition, at least one above 0. */
function checkWeights(weights: readonly number[], partitions: number, path: PropertyKey[], ctx: IssueSink): void {
  if (weights.length !== partitions) {
    ctx.addIssue({
      code: 'custom',
      path,
      message: `expected ${partitions} weights (one per partition), got ${weights.length}`,
    });
  } else if (weights.every((value) => value === 0)) {
    ctx.addIssue({ code: 'custom', path, message: 'expected at least one weight > 0' });
  }
}

/** Skew changes: weights that fit the topic, seconds in increasing order and inside the trace. */
function checkSkew(topic: TopicObject, index: number, durationSeconds: number | undefined, ctx: IssueSink): void {
  if (topic.weights !== undefined) checkWeights(topic.weights, topic.partitions, ['topics', index, 'weights'], ctx);
  let previous = -1;
  (topic.skew ?? []).forEach((change, at) => {
    const path = ['topics', index, 'skew', at];
    checkWeights(change.weights, topic.partitions, [...path, 'weights'], ctx);
    if (change.fromSecond <= previous) {
      ctx.addIssue({
        code: 'custom',
        path: [...path, 'fromSecond'],
        message: `expected seconds in increasing order: ${change.fromSecond} comes after ${previous}`,
      });
    }
    if (durationSeconds !== undefined && change.fromSecond >= durationSeconds) {
      ctx.addIssue({
        code: 'custom',
        path: [...path, 'fromSecond'],
        message: `expected a second inside the trace (below its duration, ${durationSeconds} s)`,
      });
    }
    previous = change.fromSecond;
  });
}

/** Duration and duration x partitions within the simulator's budget (see `traceLimits`). */
function checkBudget(trace: TraceObject, samples: number, ctx: IssueSink): void {
  const durationSeconds = samples * trace.stepSeconds;
  if (durationSeconds > traceLimits.durationSeconds) {
    ctx.addIssue({
      code: 'custom',
      path: ['stepSeconds'],
      message: `${samples} samples x stepSeconds ${trace.stepSeconds} = ${durationSeconds} s; expected at most ${traceLimits.durationSeconds} s (31 days)`,
    });
  }
  const partitions = trace.topics.reduce((sum, topic) => sum + topic.partitions, 0);
  if (partitions > traceLimits.partitions) {
    ctx.addIssue({
      code: 'custom',
      path: ['topics'],
      message: `${partitions} partitions in all topics; expected at most ${traceLimits.partitions}`,
    });
  } else if (durationSeconds * partitions > traceLimits.partitionSeconds) {
    ctx.addIssue({
      code: 'custom',
      path: ['topics'],
      message:
        `duration ${durationSeconds} s x ${partitions} partitions = ${durationSeconds * partitions} partition-seconds; ` +
        `expected at most ${traceLimits.partitionSeconds} (the simulator keeps 16 bytes per partition-second): ` +
        'shorten the trace or use fewer partitions',
    });
  }
}

/** Poisoned partitions name a topic of the trace and one of its partitions. */
function checkPoisoned(trace: TraceObject, ctx: IssueSink): void {
  trace.poisoned.forEach((poison, index) => {
    const topic = trace.topics.find((candidate) => candidate.name === poison.topic);
    if (topic === undefined) {
      ctx.addIssue({ code: 'custom', path: ['poisoned', index, 'topic'], message: `no topic named '${poison.topic}'` });
    } else if (poison.partition >= topic.partitions) {
      ctx.addIssue({
        code: 'custom',
        path: ['poisoned', index, 'partition'],
        message: `expected a partition below ${topic.partitions}`,
      });
    }
  });
}

export const TraceSchema = TraceObjectSchema.superRefine((trace, ctx) => {
  const samples = checkProduction(trace, ctx);
  const durationSeconds = samples === undefined ? undefined : samples * trace.stepSeconds;
  trace.topics.forEach((topic, index) => checkSkew(topic, index, durationSeconds, ctx));
  if (samples !== undefined) checkBudget(trace, samples, ctx);
  checkPoisoned(trace, ctx);
});

/** A parsed, validated trace. */
export type Trace = z.output<typeof TraceSchema>;

export type TraceParseResult =
  { readonly ok: true; readonly trace: Trace } | { readonly ok: false; readonly errors: readonly string[] };

/**
 * Parse a trace file's text. Errors name the source, the line (JSON syntax) or the field path
 * (with its line where it can be found), and what was expected.
 */
export function parseTrace(text: string, source: string): TraceParseResult {
  const tooLarge = traceSizeProblem(text.length, source);
  if (tooLarge !== undefined) return { ok: false, errors: [tooLarge] };
  const json = parseJsonText(text, source);
  if (!json.ok)
    return { ok: false, errors: [`${json.problem}; expected a trace object (see simulator/traces/README.md)`] };
  const result = TraceSchema.safeParse(json.value);
  if (result.success) return { ok: true, trace: result.data };
  return {
    ok: false,
    errors: formatSchemaError(result.error, {
      source,
      text,
      unknownFieldsFix: 'expected only the fields in simulator/traces/README.md',
    }),
  };
}

/**
 * The problem with a trace file of `bytes` (checked before reading or parsing it), or undefined when it
 * is small enough.
 */
export function traceSizeProblem(bytes: number, source: string): string | undefined {
  if (bytes <= traceLimits.fileBytes) return undefined;
  const megabytes = (value: number) => `${(value / 1024 / 1024).toFixed(1)} MB`;
  return `${source}: the file is ${megabytes(bytes)}; expected a trace of at most ${megabytes(traceLimits.fileBytes)} (see simulator/traces/README.md, "Limits")`;
}

/** Length of the trace in seconds. */
export function traceDurationSeconds(trace: Trace): number {
  const first = trace.topics[0];
  const samples = first === undefined ? undefined : trace.production[first.name];
  return (samples?.length ?? 0) * trace.stepSeconds;
}
