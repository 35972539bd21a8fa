import { buildPackage } from '../../tools/build/package';

/**
 * Global setup of the projects that synthesize the construct: it ships the prebuilt tick handler
 * (dist/lambda/tick), so build it first. Cached by a hash of its inputs: a no-op when up to date,
 * about 3 s after a change to lambdas/, and what makes `npm test` work on a fresh clone.
 */
export default async function setup(): Promise<void> {
  await buildPackage({ parts: ['lambda'] });
}
