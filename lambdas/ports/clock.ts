/** The current time in epoch milliseconds; injected so that domain code and tests control time. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
