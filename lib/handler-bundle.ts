import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { HandlerBundleMissingError } from './errors';

/**
 * The directory of the prebuilt tick handler (index.mjs and its source map), which the package's
 * build writes to dist/lambda/tick. The construct ships it as a code asset, so an app that uses the
 * package needs no esbuild, no TypeScript sources and no lock file.
 */
export function tickHandlerDirectory(): string {
  // This module runs from dist/lib/ in the package (bundled) and from lib/ in the repository.
  const here = import.meta.dirname;
  const candidates = [path.join(here, '..', 'lambda', 'tick'), path.join(here, '..', 'dist', 'lambda', 'tick')];
  const found = candidates.find((dir) => existsSync(path.join(dir, 'index.mjs')));
  if (found === undefined) throw new HandlerBundleMissingError(candidates);
  return found;
}
