/**
 * The lag engine (pure): per-partition lag, group/topic summaries, offset history, time lag, rates,
 * Burrow-style health, and the one-call measure step that combines them.
 */
export * from './snapshot';
export * from './membership';
export * from './partition-lag';
export * from './summary';
export * from './history';
export * from './time-lag';
export * from './rates';
export * from './health';
export * from './measure';
export * from './throughput';
