import {
  ApplicationAutoScalingClient,
  PutScalingPolicyCommand,
  RegisterScalableTargetCommand,
} from '@aws-sdk/client-application-auto-scaling';
import { ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import { ApplicationAutoScalingScalers } from '#adapters/aws/application-auto-scaling';
import { runTick } from '#application/tick';
import { parseScalerConfig } from '#domain/config/scaler-config';
import type { MetricDatum } from '#ports/metrics-sink';
import { createConsumerService } from '../../support/ecs';
import { realDependencies } from '../../support/scaler';
import { awsClientConfig, services, uniqueName } from '../../support/services';

const autoscaling = new ApplicationAutoScalingClient(awsClientConfig(services().moto));
const ecs = new ECSClient(awsClientConfig(services().moto));

/** What a user's stack does with `service.autoScaleTaskCount(...).scaleOnCpuUtilization(...)`. */
async function registerTargetTracking(service: { cluster: string; service: string }): Promise<string> {
  const resourceId = `service/${service.cluster}/${service.service}`;
  await autoscaling.send(
    new RegisterScalableTargetCommand({
      ServiceNamespace: 'ecs',
      ScalableDimension: 'ecs:service:DesiredCount',
      ResourceId: resourceId,
      MinCapacity: 1,
      MaxCapacity: 10,
    }),
  );
  await autoscaling.send(
    new PutScalingPolicyCommand({
      PolicyName: 'cpu-tracking',
      ServiceNamespace: 'ecs',
      ScalableDimension: 'ecs:service:DesiredCount',
      ResourceId: resourceId,
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: {
        TargetValue: 60,
        PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' },
      },
    }),
  );
  return resourceId;
}

describe('another autoscaler on a watched service (Application Auto Scaling on moto)', () => {
  it('finds the scalable target and its policies on exactly the services that have one', async () => {
    const scaled = await createConsumerService(ecs, { service: 'billing', desiredCount: 1 });
    const free = await createConsumerService(ecs, { service: 'pharmacy', desiredCount: 1 });
    const resourceId = await registerTargetTracking(scaled);
    const found = await new ApplicationAutoScalingScalers(autoscaling).find([scaled, free]);
    expect(found).toEqual([
      {
        service: scaled,
        resourceId,
        minCapacity: 1,
        maxCapacity: 10,
        policies: ['cpu-tracking'],
        suspended: false,
      },
    ]);
  });

  it('the tick reports it: ConflictingScalers = 1, a warning that says how to hand the service over', async () => {
    const { deps, reader } = await realDependencies({ namespace: uniqueName('KLA-Conflicting') });
    const service = await createConsumerService(ecs, { service: 'billing', desiredCount: 1 });
    await ecs.send(new UpdateServiceCommand({ ...service, desiredCount: 1 }));
    await registerTargetTracking(service);
    const published: MetricDatum[] = [];
    const report = await runTick(
      parseScalerConfig({
        kafka: { brokers: [services().kafkaBrokers] },
        targets: [{ group: uniqueName('billing'), service }],
      }),
      {
        ...deps,
        externalScalers: new ApplicationAutoScalingScalers(autoscaling),
        metrics: {
          publish: async (metrics) => {
            published.push(...metrics);
            await deps.metrics.publish(metrics);
          },
        },
      },
    );
    expect(report.targets[0]?.kind).not.toBe('error');
    expect(published.filter((m) => m.name === 'ConflictingScalers').map((m) => m.value)).toEqual([1]);
    const logger = deps.logger as unknown as { records: { message: string; fields: unknown }[] };
    const warning = logger.records.find((r) => r.message === 'another autoscaler sets this service');
    expect(JSON.stringify(warning?.fields)).toMatch(/deregister-scalable-target .*--resource-id service\//);
    await reader.close();
  });
});
