/** The policy simulator: traces, the discrete-time model, the policies it compares, and reports. */
export * from './trace';
export * from './policies';
export * from './model';
export * from './assignment';
export * from './engine';
export * from './render/report';
