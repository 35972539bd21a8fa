import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileStateStore } from '#local/adapters/file-state-store';
import { StateConflictError } from '#ports/state-store';

describe('FileStateStore', () => {
  const store = () => new FileStateStore<{ n: number }>(mkdtempSync(join(tmpdir(), 'lagscaler-state-')));

  it('saves and loads with increasing versions', async () => {
    const s = store();
    expect(await s.load('billing')).toBeUndefined();
    expect(await s.save('billing', { n: 1 }, undefined)).toBe(1);
    expect(await s.save('billing', { n: 2 }, 1)).toBe(2);
    expect(await s.load('billing')).toEqual({ version: 2, state: { n: 2 } });
  });

  it('refuses a save from a stale version, so two overlapping ticks cannot both act', async () => {
    const s = store();
    await s.save('billing', { n: 1 }, undefined);
    await expect(s.save('billing', { n: 9 }, undefined)).rejects.toBeInstanceOf(StateConflictError);
    await s.save('billing', { n: 2 }, 1);
    await expect(s.save('billing', { n: 9 }, 1)).rejects.toBeInstanceOf(StateConflictError);
    expect((await s.load('billing'))?.state).toEqual({ n: 2 });
  });
});
