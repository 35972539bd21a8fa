export * from './consumer-service';
export * from './hospital-example-stack';
export * from './kafka-connection';
export * from './kafka-lag-scaler';
export * from './scaler-alarms';
export * from './scaler-config-props';
export * from './scaler-dashboard';
export * from './scaler-metrics';
