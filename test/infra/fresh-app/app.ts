/**
 * A user's CDK app, as `test/infra/package.test.ts` installs it outside the repository: the package
 * comes from its tarball and is imported by name, next to aws-cdk-lib, constructs and cdk-nag from
 * the registry. Laid out like `cdk init app --language typescript` (CommonJS, NodeNext).
 */
import { App, Duration, Stack, Validations } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { AwsSolutionsChecks } from 'cdk-nag';
import {
  KafkaAuth,
  KafkaLagScaler,
  ScaledService,
  ScramMechanism,
  type ScalerTarget,
  type ScalingPolicyProps,
} from 'kafka-lag-autoscaler';

const app = new App();
const stack = new Stack(app, 'PlatformScaler', { env: { account: '111122223333', region: 'eu-west-1' } });

const secret = secretsmanager.Secret.fromSecretNameV2(stack, 'KafkaLogin', 'AmazonMSK_lagscaler');
const scaler = new KafkaLagScaler(stack, 'Scaler', {
  kafka: {
    bootstrapBrokers: ['b-1.platform.kafka.eu-west-1.amazonaws.com:9096'],
    tls: true,
    auth: KafkaAuth.saslScram(secret, ScramMechanism.SHA_512),
  },
  schedule: Duration.minutes(1),
});
const policy: ScalingPolicyProps = { drainTargetSeconds: 120, maxTasks: 12 };
const orders: ScalerTarget = scaler.addTarget({
  consumerGroup: 'orders',
  topics: ['orders'],
  service: ScaledService.fromServiceName('platform', 'orders'),
  policy,
});
scaler.addToRolePolicy(
  new iam.PolicyStatement({
    actions: ['kms:Decrypt'],
    resources: ['arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab'],
  }),
);
const lag: cloudwatch.Metric = orders.metricSumOffsetLag();
lag.createAlarm(stack, 'OrdersLagHigh', { threshold: 100_000, evaluationPeriods: 3 });

Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));

/** Never called: the package's types reach the app (were they `any`, these lines would not be errors). */
export function typesReachTheApp(): void {
  // @ts-expect-error consumerGroup is a string
  scaler.addTarget({ consumerGroup: 42, service: ScaledService.fromServiceName('platform', 'x') });
  // @ts-expect-error the policy has no such field
  scaler.addTarget({ consumerGroup: 'x', service: ScaledService.fromServiceName('p', 'x'), policy: { maxTask: 1 } });
}
