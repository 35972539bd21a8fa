/**
 * One local run's state, in one object the session's steps share: what is opened at the start (the
 * run directory, the file logger, the recording reader and metrics) and what the steps set as they
 * go (processes, producer, partitions, samples, start times).
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { KafkajsOffsetReader } from '#adapters/kafka/kafkajs-offset-reader';
import { systemClock } from '#ports/clock';
import type { StructuredLogger } from '#ports/logger';
import type { LoadProducer } from './adapters/load-producer';
import type { ProcessServiceCapacity } from './adapters/process-service-capacity';
import { RecordingMetricsSink } from './adapters/recording-metrics-sink';
import { RecordingOffsetReader } from './adapters/recording-offset-reader';
import type { TargetSample } from './samples';
import type { SessionOptions } from './session';

export interface SessionRun {
  readonly options: SessionOptions;
  /** Writes one line to the run's output. */
  readonly say: (line: string) => void;
  /** Logs, state files, metrics and samples of this run: `<workDirectory>/<start time>`. */
  readonly directory: string;
  readonly logger: StructuredLogger;
  readonly metrics: RecordingMetricsSink;
  readonly reader: RecordingOffsetReader;
  /** Every tick's samples, oldest first. */
  readonly samples: TargetSample[];
  ticks: number;
  /** The latest tick's Kafka read error, if it failed, for the view. */
  lastKafkaError: string | undefined;
  /** The topic's partition count, once this run ensured the topic (it produces load). */
  partitions: number | undefined;
  /** Set when the run starts consumer processes. */
  processes: ProcessServiceCapacity | undefined;
  /** Set while the run produces load (the run only reads its count and stops it). */
  producer: Pick<LoadProducer, 'produced' | 'stop'> | undefined;
  /** When the processes started (until then: when the run was opened); the view's and the report's zero. */
  startedAtMs: number;
  /** When the producer started, if it did: the load profile's zero. */
  loadStartedAtMs: number | undefined;
}

/** Creates the run directory (named after the start time) and what writes into it. Connects to nothing yet. */
export function openRun(options: SessionOptions): SessionRun {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const directory = join(options.workDirectory, stamp);
  mkdirSync(directory, { recursive: true });
  const metricsFile = join(directory, 'metrics.jsonl');
  return {
    options,
    say: (line) => options.output.write(`${line}\n`),
    directory,
    logger: fileLogger(join(directory, 'scaler.log')),
    metrics: new RecordingMetricsSink((line) => appendFileSync(metricsFile, `${line}\n`)),
    reader: new RecordingOffsetReader(
      new KafkajsOffsetReader({ connection: options.connection, clock: systemClock, readTimeoutMs: 10_000 }),
    ),
    samples: [],
    ticks: 0,
    lastKafkaError: undefined,
    partitions: undefined,
    processes: undefined,
    producer: undefined,
    startedAtMs: Date.now(),
    loadStartedAtMs: undefined,
  };
}

/** A logger that writes JSON lines to a file (bigints as strings): the terminal belongs to the view. */
export function fileLogger(file: string): StructuredLogger {
  const write =
    (level: string) =>
    (message: string, fields: Readonly<Record<string, unknown>> = {}) => {
      const entry = { level, time: new Date().toISOString(), message, ...fields };
      appendFileSync(file, `${JSON.stringify(entry, bigintAsText)}\n`);
    };
  return { info: write('INFO'), warn: write('WARN'), error: write('ERROR') };
}

const bigintAsText = (_key: string, value: unknown): unknown => (typeof value === 'bigint' ? value.toString() : value);
