import { closeSync, openSync, writeSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Department } from './config';
import type { InputRecord, OutputRecord } from './ports';

/** What processing one record produced; `output` is written to the output topic by the transactional strategy. */
export interface ProcessingResult {
  readonly output?: OutputRecord;
}

/** The pluggable processing step: one record in, its result out. Throwing stops the batch (it is retried). */
export type ProcessingStep = (record: InputRecord) => Promise<ProcessingResult>;

const actions: Readonly<Record<Department, string>> = {
  billing: 'invoice issued',
  housekeeping: 'room cleaning scheduled',
  pharmacy: 'discharge medication reconciled',
};

/**
 * The hospital example's step for one department. `processingTimeMs` simulates the work so that a
 * consumer has a real throughput limit (what makes lag grow and scaling out help in the demos).
 */
export function departmentStep(department: Department, processingTimeMs: number): ProcessingStep {
  const action = actions[department];
  return async (record) => {
    if (processingTimeMs > 0) await sleep(processingTimeMs);
    return {
      output: {
        key: record.key,
        value: JSON.stringify({
          department,
          action,
          checkout: record.key ?? null,
          source: `${record.partition}:${record.offset}`,
        }),
      },
    };
  };
}

/**
 * Appends one line per processed record (`key partition offset`) to a file with a synchronous
 * write, so the line is in the kernel before the offset can be committed and survives SIGKILL.
 * Tests and demos count missing and duplicate ids from these files.
 */
export class ProcessedLog {
  private readonly fd: number;

  constructor(path: string) {
    this.fd = openSync(path, 'a');
  }

  append(record: InputRecord): void {
    writeSync(this.fd, `${record.key ?? ''} ${record.partition} ${record.offset}\n`);
  }

  close(): void {
    closeSync(this.fd);
  }
}
