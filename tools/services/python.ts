import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { log, requireProgram, run, seconds } from './proc';

/**
 * Creates (once) a virtualenv and installs the given requirements into it. A marker file
 * records what was installed, so a second call with the same requirements does nothing.
 */
export async function ensureVirtualenv(options: {
  service: string;
  dir: string;
  requirements: readonly string[];
  constraintsFile?: string;
}): Promise<void> {
  const marker = join(options.dir, '.installed');
  const wanted = JSON.stringify(options.requirements);
  if (existsSync(marker) && readFileSync(marker, 'utf8') === wanted) return;
  requireProgram('python3', 'apt-get install python3 python3-venv (Python 3.11)');
  const started = Date.now();
  log(
    options.service,
    `creating virtualenv ${options.dir} and installing ${options.requirements.join(' ')} from PyPI...`,
  );
  if (!existsSync(join(options.dir, 'bin', 'python'))) {
    await run('python3', ['-m', 'venv', options.dir], { what: `python3 -m venv ${options.dir}` });
  }
  const pip = join(options.dir, 'bin', 'pip');
  const constraints = options.constraintsFile ? ['-c', options.constraintsFile] : [];
  await run(pip, ['install', '--disable-pip-version-check', '-q', ...options.requirements, ...constraints], {
    what: `pip install ${options.requirements.join(' ')}`,
  });
  writeFileSync(marker, wanted);
  log(options.service, `virtualenv ready in ${seconds(started)}`);
}
