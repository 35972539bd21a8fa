/** The scaling policy: config schema, input/output types, assignment-aware sizing and the decision. */
export * from './config';
export * from './input';
export * from './assignment';
export * from './sizing';
export { taskBounds } from './bounds';
export { decideScaling } from './decide';
export { stabilizedRecommendation } from './stabilization';
