/** A worker thread of bench:policy: runs each job it is sent and posts the outcome back. */
import { parentPort } from 'node:worker_threads';
import { runJob, type BenchJob } from './policy-jobs';

parentPort?.on('message', (job: BenchJob) => {
  parentPort?.postMessage(runJob(job));
});
