import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StateConflictError, type StateStore, type StoredState } from '#ports/state-store';

interface FileContent<T> {
  readonly version: number;
  readonly state: T;
}

/**
 * One JSON file per target in a directory: the local stand-in for the DynamoDB table. A save checks
 * the stored version first (optimistic concurrency within one process, as the tick expects) and
 * writes a temporary file then renames it, so a Ctrl-C never leaves half a state behind.
 */
export class FileStateStore<T> implements StateStore<T> {
  constructor(private readonly directory: string) {
    mkdirSync(directory, { recursive: true });
  }

  /** The file that holds a target's state (target ids are restricted to letters, digits, . _ -). */
  fileOf(target: string): string {
    return join(this.directory, `${target.replace(/[^A-Za-z0-9._-]/g, '_')}.json`);
  }

  async load(target: string): Promise<StoredState<T> | undefined> {
    let text: string;
    try {
      text = readFileSync(this.fileOf(target), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    const content = JSON.parse(text) as FileContent<T>;
    return { version: content.version, state: content.state };
  }

  async save(target: string, state: T, expectedVersion: number | undefined): Promise<number> {
    const current = await this.load(target);
    if (current?.version !== expectedVersion) throw new StateConflictError(target);
    const version = (expectedVersion ?? 0) + 1;
    const file = this.fileOf(target);
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, `${JSON.stringify({ version, state } satisfies FileContent<T>, null, 2)}\n`);
    renameSync(temporary, file);
    return version;
  }
}
