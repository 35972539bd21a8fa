// Installs npm dependencies when node_modules is missing or older than the lockfile, so that
// `npm test` and `npm start` work on a fresh clone and cost ~nothing when already installed.
import { execSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';

const lock = 'package-lock.json';
const installed = 'node_modules/.package-lock.json';
const fresh = existsSync(installed) && statSync(installed).mtimeMs >= statSync(lock).mtimeMs;
if (!fresh) {
  const started = Date.now();
  console.log('[deps] installing npm packages (npm ci)...');
  execSync('npm ci --no-audit --no-fund', { stdio: 'inherit' });
  console.log(`[deps] installed in ${((Date.now() - started) / 1000).toFixed(1)}s`);
}
