/**
 * bench:policy's unit of work: one trace under one model through every policy, and a pool of worker
 * threads that runs many of them (the simulator is pure and single-threaded; traces are independent).
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import {
  checkTrace,
  policyNames,
  runMetrics,
  traceFacts,
  type SimulationOptions,
  type SimulationResult,
  type Trace,
  type TraceCheck,
} from '#simulator/index';
import { runTrace } from '../bin/commands/simulate';

/** One trace under one model. */
export interface BenchJob {
  readonly id: number;
  readonly trace: Trace;
  /** The corpus family, or 'shipped'. */
  readonly family: string;
  readonly model: string;
  readonly options: SimulationOptions;
  /** Keep the full results (series) for the HTML chart; otherwise only the metrics cross back. */
  readonly keepResults: boolean;
}

/** What a job gives back: the check against the targets, the metrics of every run, the time it took. */
export interface JobOutcome {
  readonly id: number;
  readonly model: string;
  readonly check: TraceCheck;
  readonly runs: readonly ReturnType<typeof runMetrics>[];
  readonly results: readonly SimulationResult[] | undefined;
  readonly milliseconds: number;
}

/** Runs one job in this thread. */
export function runJob(job: BenchJob): JobOutcome {
  const started = performance.now();
  const results = runTrace(job.trace, policyNames, job.options);
  const runs = results.map(runMetrics);
  return {
    id: job.id,
    model: job.model,
    check: checkTrace({ trace: job.trace.name, family: job.family }, traceFacts(job.trace), runs),
    runs,
    results: job.keepResults ? results : undefined,
    milliseconds: performance.now() - started,
  };
}

/**
 * Runs every job on `threads` worker threads (in this thread when 1), biggest first so no thread is
 * left with one long trace at the end; outcomes come back in the jobs' order.
 */
export async function runJobs(
  jobs: readonly BenchJob[],
  threads: number,
  progress: (done: number, total: number) => void = () => undefined,
): Promise<readonly JobOutcome[]> {
  const queue = [...jobs].sort((a, b) => cost(b.trace) - cost(a.trace));
  const outcomes = new Map<number, JobOutcome>();
  if (threads <= 1) {
    for (const job of queue) {
      outcomes.set(job.id, runJob(job));
      progress(outcomes.size, jobs.length);
    }
  } else {
    await Promise.all(
      Array.from({ length: Math.min(threads, queue.length) }, () =>
        drainOnWorker(queue, (outcome) => {
          outcomes.set(outcome.id, outcome);
          progress(outcomes.size, jobs.length);
        }),
      ),
    );
  }
  return jobs.map((job) => {
    const outcome = outcomes.get(job.id);
    if (outcome === undefined) throw new Error(`bench job ${job.id} (${job.trace.name}) gave no outcome`);
    return outcome;
  });
}

/** The simulator's work for a trace: seconds x partitions. */
function cost(trace: Trace): number {
  const samples = trace.production[trace.topics[0]?.name ?? '']?.length ?? 0;
  return samples * trace.stepSeconds * trace.topics.reduce((sum, topic) => sum + topic.partitions, 0);
}

/** tsx's loader, so a worker runs TypeScript however its parent was started (tsx, vitest). */
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/** One worker takes jobs from the shared queue until it is empty. */
function drainOnWorker(queue: BenchJob[], done: (outcome: JobOutcome) => void): Promise<void> {
  const worker = new Worker(new URL('./policy-worker.ts', import.meta.url), { execArgv: ['--import', tsxLoader] });
  return new Promise<void>((resolve, reject) => {
    const next = () => {
      const job = queue.shift();
      if (job === undefined) {
        void worker.terminate().then(() => resolve());
        return;
      }
      worker.postMessage(job);
    };
    worker.on('message', (outcome: JobOutcome) => {
      done(outcome);
      next();
    });
    worker.on('error', (error) => {
      void worker.terminate();
      reject(error);
    });
    next();
  });
}
