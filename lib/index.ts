/**
 * The construct library: `KafkaLagScaler` and what its props and targets are made of, and
 * `ConsumerService`. This is the package's whole API (`import { ... } from 'kafka-lag-autoscaler'`).
 */
export { ConsumerService, type ConsumerServiceProps } from './consumer-service';
export { ConsumerServicePropsError, HandlerBundleMissingError, KafkaLagScalerPropsError } from './errors';
export { KafkaAuth, ScramMechanism, type KafkaConnectionProps, type MskIamAuthOptions } from './kafka-connection';
export { KafkaLagScaler, ScalerLogLevel, type KafkaLagScalerProps } from './kafka-lag-scaler';
export type { ScalerAlarmOptions, ScalerAlarmsProps } from './scaler-alarm-props';
export { DEFAULT_METRICS_NAMESPACE, ScalerMetricName, type ScalerMetricOptions } from './scaler-metrics';
export {
  ConsumerIsolation,
  OffsetResetPolicy,
  ScaledService,
  ScalerTarget,
  type ScalerTargetOptions,
  type ScalerTargetProps,
} from './scaler-target';
export type { ScalingPolicyProps } from './scaling-policy-props';
