/**
 * The demo `npm start` runs: the hospital example's three departments on `patient-checkout`, each
 * its own service of consumer processes with a different processing time, and a policy tuned so a
 * run of about three minutes shows a scale-out and a scale-in.
 */
import { parseScalerConfig, type ScalerConfig } from '#domain/config/scaler-config';
import type { PolicyConfigInput } from '#domain/policy/index';
import type { LocalConsumerGroup } from './session';

/** Per department: ms of work per record, hence roughly 1000/ms records/s per process. */
export const demoDepartments: readonly LocalConsumerGroup[] = [
  { department: 'billing', group: 'billing', processingTimeMs: 5 },
  { department: 'housekeeping', group: 'housekeeping', processingTimeMs: 3 },
  { department: 'pharmacy', group: 'pharmacy', processingTimeMs: 8 },
];

/**
 * Seconds instead of minutes: a local process joins in about 2 s (ECS: a minute), and the demo has
 * three minutes to show a whole cycle. Everything else is the production policy.
 */
export const demoPolicy: PolicyConfigInput = {
  drainTargetSeconds: 20,
  lagPerTaskThreshold: 1500,
  taskStartSeconds: 3,
  scaleOutCooldownSeconds: 10,
  scaleInCooldownSeconds: 20,
  scaleInStabilizationSeconds: 20,
  settleTimeoutSeconds: 30,
  rateWindowSeconds: 10,
  maxTasks: 6,
};

export interface DemoConfigOptions {
  readonly brokers: readonly string[];
  readonly topic: string;
  readonly groups: readonly LocalConsumerGroup[];
  readonly policy: PolicyConfigInput;
  readonly dryRun: boolean;
}

/** The scaler configuration of a local run: one target per group, its service named after the group. */
export function localScalerConfig(options: DemoConfigOptions): ScalerConfig {
  return parseScalerConfig({
    kafka: { brokers: [...options.brokers] },
    dryRun: options.dryRun,
    targets: options.groups.map((g) => ({
      group: g.group,
      topics: [options.topic],
      // The consumer reads a new group from the beginning; the lag engine must assume the same.
      offsetResetPolicy: 'earliest',
      service: { cluster: 'local', service: g.group },
      policy: options.policy,
    })),
  });
}
