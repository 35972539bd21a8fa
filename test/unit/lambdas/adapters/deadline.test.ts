import { describe, expect, it } from 'vitest';
import { withDeadline } from '#adapters/deadline';

describe('withDeadline', () => {
  it('returns the value of a promise that settles in time', async () => {
    await expect(withDeadline(Promise.resolve(7), 1000, () => new Error('late'))).resolves.toBe(7);
  });

  it('passes a rejection through unchanged', async () => {
    const failure = new Error('refused');
    await expect(withDeadline(Promise.reject(failure), 1000, () => new Error('late'))).rejects.toBe(failure);
  });

  it('rejects with the timeout error when the promise takes too long', async () => {
    const never = new Promise<never>(() => undefined);
    await expect(withDeadline(never, 20, () => new Error('reading took longer than 20 ms'))).rejects.toThrow(
      'reading took longer than 20 ms',
    );
  });
});
