import { mkdtempSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProfile } from '../../../../bin/commands/run-profile';
import { traceLimits } from '#simulator/trace';

const fit = { peakRatePerSecond: 600, stepSeconds: 5 };

describe('loadProfile', () => {
  it('reads an inline spec and a JSON profile file', () => {
    expect(loadProfile('calm:10@50', fit).phases).toEqual([{ name: 'calm', seconds: 10, ratePerSecond: 50 }]);
    const file = join(mkdtempSync(join(tmpdir(), 'profile-')), 'p.json');
    writeFileSync(file, JSON.stringify({ phases: [{ name: 'burst', seconds: 5, ratePerSecond: 500 }] }));
    expect(loadProfile(file, fit).phases).toEqual([{ name: 'burst', seconds: 5, ratePerSecond: 500 }]);
  });

  it('refuses a file above the trace size limit before reading it, naming the file and the limit', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'profile-')), 'huge.json');
    writeFileSync(file, '');
    // A sparse 50 MB file: nothing is allocated, and reading it would be the out-of-memory path.
    truncateSync(file, 50 * 1024 * 1024);
    const started = performance.now();
    expect(() => loadProfile(file, fit)).toThrow(/huge\.json: the file is 50\.0 MB; expected a trace of at most/);
    expect(performance.now() - started).toBeLessThan(500);
    expect(traceLimits.fileBytes).toBeLessThan(50 * 1024 * 1024);
  });

  it('names a missing file', () => {
    expect(() => loadProfile('/nonexistent/profile.json', fit)).toThrow(
      /profile file \/nonexistent\/profile\.json does not exist/,
    );
  });
});
