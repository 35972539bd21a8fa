/** The policy simulator: traces and their generator, the corpus, the discrete-time model, the policies it compares, and reports. */
export * from './trace';
export * from './generate';
export * from './corpus';
export * from './corpus-targets';
export * from './policies';
export * from './model';
export * from './assignment';
export * from './engine';
export * from './render/report';
