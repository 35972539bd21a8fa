import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  buildPolicy,
  checkTargets,
  defaultLineupParameters,
  defaultSimulationOptions,
  parseTrace,
  policyNames,
  simulate,
} from '#simulator/index';

const tracesDir = join(import.meta.dirname, '..', '..', '..', 'simulator', 'traces');
const names = readdirSync(tracesDir)
  .filter((file) => file.endsWith('.json'))
  .map((file) => file.slice(0, -5));

/** The targets as a regression test: a policy change that breaks one fails here, not only in the bench. */
// diurnal is a day of 24 partitions x 4 policies: seconds of simulation, more on a busy machine.
describe('shipped traces: the issue targets hold for ours', { timeout: 120_000 }, () => {
  it.each(names)('%s', (name) => {
    const parsed = parseTrace(readFileSync(join(tracesDir, `${name}.json`), 'utf8'), name);
    if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
    const options = defaultSimulationOptions;
    const parameters = defaultLineupParameters(parsed.trace, options);
    const results = policyNames.map((policy) =>
      simulate(parsed.trace, buildPolicy(policy, parameters, options), options),
    );
    const missed = checkTargets(results, ['steady', 'diurnal']).filter((check) => !check.pass);
    expect(missed).toEqual([]);
  });
});
