/** AWS SDK calls counted by command name, through the client's own middleware stack (nothing is faked). */
export function countCalls<T extends { middlewareStack: { add: (...args: never[]) => void } }>(
  client: T,
  counts: Map<string, number> = new Map(),
): { client: T; counts: Map<string, number> } {
  (client.middlewareStack as unknown as { add: (mw: unknown, options: unknown) => void }).add(
    (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => async (args: unknown) => {
      const name = (context.commandName ?? 'unknown').replace(/Command$/, '');
      counts.set(name, (counts.get(name) ?? 0) + 1);
      return await next(args);
    },
    { step: 'initialize', name: 'countCalls' },
  );
  return { client, counts };
}
