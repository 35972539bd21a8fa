import * as path from 'node:path';

/** The repository root: the Lambda entry, the lock file and the consumer image are found from here. */
export const REPO_ROOT = path.resolve(import.meta.dirname, '..');
