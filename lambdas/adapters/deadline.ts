/**
 * Rejects with `onTimeout()` when `promise` takes longer than `ms`, so no call to an external system
 * can hang a tick or the CLI. The promise itself is not cancelled: callers close its client.
 */
export async function withDeadline<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
