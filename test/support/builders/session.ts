/**
 * A local session's options and run for unit tests: a temporary work directory, output kept in
 * memory, and an offset reader that fails at once (no broker in a unit test).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseScalerConfig } from '#domain/config/scaler-config';
import type { OffsetReader } from '#ports/offset-reader';
import { RecordingOffsetReader } from '#local/adapters/recording-offset-reader';
import type { SessionOptions } from '#local/session';
import { openRun, type SessionRun } from '#local/session-run';

export const twoTargets = parseScalerConfig({
  kafka: { brokers: ['127.0.0.1:9092'] },
  targets: [
    { group: 'billing', topics: ['patient-checkout'], service: { cluster: 'local', service: 'billing' } },
    { group: 'pharmacy', topics: ['patient-checkout'], service: { cluster: 'local', service: 'pharmacy' } },
  ],
});

/** Options of a session on `patient-checkout` for billing and pharmacy, writing below a fresh temporary directory. */
const directories: string[] = [];

/** A fresh temporary directory, removed by {@link removeTemporaryDirectories}. */
export function temporaryDirectory(): string {
  const directory = mkdtempSync(join(tmpdir(), 'lagscaler-session-'));
  directories.push(directory);
  return directory;
}

/** Removes every directory this fixture made (call it in `afterAll`). */
export function removeTemporaryDirectories(): void {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
}

export function sessionOptions(overrides: Partial<SessionOptions> = {}): SessionOptions & { readonly lines: string[] } {
  const directory = temporaryDirectory();
  const lines: string[] = [];
  return {
    title: 'unit session',
    connection: { brokers: ['127.0.0.1:9092'] },
    config: twoTargets,
    topic: 'patient-checkout',
    startAtEnd: false,
    intervalSeconds: 1,
    durationSeconds: undefined,
    lagTargetSeconds: 5,
    reportDirectory: join(directory, 'reports'),
    workDirectory: join(directory, 'runs'),
    output: { write: (text) => void lines.push(text), isTTY: false },
    signal: new AbortController().signal,
    settings: {},
    lines,
    ...overrides,
  };
}

/** Every read fails at once, as with a broker that refuses connections. */
export const refusingReader: OffsetReader = {
  read: async () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:9092')),
  listGroups: async () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:9092')),
  close: async () => undefined,
};

/** A run opened with `openRun`, reading through `refusingReader`. */
export function sessionRun(options: SessionOptions = sessionOptions()): SessionRun {
  return { ...openRun(options), reader: new RecordingOffsetReader(refusingReader) };
}
