import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project root (two levels above this file). */
export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Downloads and virtualenvs: kept between runs, never committed. */
export const cacheDir = resolve(projectRoot, '.cache');
/** Running services: PIDs, ports, logs and data. */
export const stateDir = resolve(projectRoot, '.services');
export const stateFile = resolve(stateDir, 'state.json');
