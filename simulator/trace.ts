/**
 * Trace files: the production load a simulation replays. JSON, documented in simulator/traces/README.md.
 * Parsing is pure (text in, trace or readable errors out) so the CLI, the bench and tests share it.
 */
import { z } from 'zod';
import { formatSchemaError, parseJsonText } from '#domain/config/schema-issues';

const rate = z
  .number({ error: 'expected a production rate in messages per second (a number >= 0)' })
  .nonnegative({ error: 'expected a production rate >= 0 messages per second' });

const TopicSchema = z.strictObject({
  name: z.string({ error: 'expected the topic name (a string)' }).min(1, { error: 'expected a non-empty topic name' }),
  partitions: z
    .number({ error: 'expected the partition count (a whole number >= 1)' })
    .int({ error: 'expected the partition count (a whole number >= 1)' })
    .min(1, { error: 'expected the partition count (a whole number >= 1)' }),
  /** Relative share of the topic's production per partition (skew); default: even. */
  weights: z
    .array(z.number({ error: 'expected a weight >= 0' }).nonnegative({ error: 'expected a weight >= 0' }))
    .optional(),
  /** Lag (messages) per partition at second 0. @default 0 */
  initialLagPerPartition: z
    .number({ error: 'expected messages (a number >= 0)' })
    .nonnegative({ error: 'expected messages (a number >= 0)' })
    .default(0),
});

const window = {
  fromSecond: z.number({ error: 'expected a second (number >= 0)' }).nonnegative({ error: 'expected a second >= 0' }),
  untilSecond: z
    .number({ error: 'expected a second (number >= 0)' })
    .nonnegative({ error: 'expected a second >= 0' })
    .optional(),
};

export const TraceSchema = z
  .strictObject({
    name: z.string({ error: 'expected the trace name (a string)' }).min(1),
    description: z.string({ error: 'expected a description (a string)' }).default(''),
    /** Seconds each production sample lasts (rates are piecewise constant). */
    stepSeconds: z
      .number({ error: 'expected stepSeconds (a whole number >= 1)' })
      .int({ error: 'expected stepSeconds (a whole number >= 1)' })
      .min(1, { error: 'expected stepSeconds (a whole number >= 1)' }),
    /** What one consumer task processes per second when it has work (messages/s). */
    taskThroughputPerSecond: z
      .number({ error: 'expected taskThroughputPerSecond (messages per second > 0)' })
      .positive({ error: 'expected taskThroughputPerSecond > 0 messages per second' }),
    /** Tasks running at second 0. @default 1 */
    initialTasks: z
      .number({ error: 'expected initialTasks (a whole number >= 0)' })
      .int({ error: 'expected initialTasks (a whole number >= 0)' })
      .nonnegative({ error: 'expected initialTasks (a whole number >= 0)' })
      .default(1),
    topics: z.array(TopicSchema).min(1, { error: 'expected at least one topic' }),
    /** Per topic name: production rate (messages/s for the whole topic) for each step. */
    production: z.record(z.string(), z.array(rate).min(1, { error: 'expected at least one rate sample' })),
    /** Partitions whose consumption stops (a poison message): the consumer cannot move past it. */
    poisoned: z
      .array(
        z.strictObject({
          topic: z.string({ error: 'expected the topic name' }),
          partition: z
            .number({ error: 'expected a partition number' })
            .int({ error: 'expected a whole partition number' })
            .nonnegative({ error: 'expected a partition number >= 0' }),
          ...window,
        }),
      )
      .default([]),
    /** Windows where the lag read is missing, stale or partial (half the partitions unreadable). */
    dataGaps: z
      .array(
        z.strictObject({
          ...window,
          freshness: z.enum(['missing', 'stale', 'partial'], { error: "expected 'missing', 'stale' or 'partial'" }),
        }),
      )
      .default([]),
  })
  .superRefine((trace, ctx) => {
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
      if (topic.weights !== undefined && topic.weights.length !== topic.partitions) {
        ctx.addIssue({
          code: 'custom',
          path: ['topics', index, 'weights'],
          message: `expected ${topic.partitions} weights (one per partition), got ${topic.weights.length}`,
        });
      }
      if (topic.weights !== undefined && topic.weights.every((weight) => weight === 0)) {
        ctx.addIssue({
          code: 'custom',
          path: ['topics', index, 'weights'],
          message: 'expected at least one weight > 0',
        });
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
    trace.poisoned.forEach((poison, index) => {
      const topic = trace.topics.find((candidate) => candidate.name === poison.topic);
      if (topic === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['poisoned', index, 'topic'],
          message: `no topic named '${poison.topic}'`,
        });
      } else if (poison.partition >= topic.partitions) {
        ctx.addIssue({
          code: 'custom',
          path: ['poisoned', index, 'partition'],
          message: `expected a partition below ${topic.partitions}`,
        });
      }
    });
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

/** Length of the trace in seconds. */
export function traceDurationSeconds(trace: Trace): number {
  const first = trace.topics[0];
  const samples = first === undefined ? undefined : trace.production[first.name];
  return (samples?.length ?? 0) * trace.stepSeconds;
}
