import { ECSClient } from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import { awsClientOptions } from '#adapters/aws/client-options';
import { EcsServiceCapacity } from '#adapters/aws/ecs-service-capacity';
import { ServiceNotFoundError } from '#ports/service-capacity';
import { countCalls } from '../../support/aws-calls';
import { createConsumerService } from '../../support/ecs';
import { failingFirst } from '../../support/fault-injection';
import { awsClientConfig, services } from '../../support/services';

describe('EcsServiceCapacity (moto ECS)', () => {
  const ecs = new ECSClient({ ...awsClientConfig(services().moto), ...awsClientOptions() });
  const capacity = new EcsServiceCapacity(ecs);

  it('describes the service and sets its desired count', async () => {
    const ref = await createConsumerService(ecs, { service: 'billing', desiredCount: 2 });
    // A new service's tasks are still pending: not steady yet.
    expect(await capacity.describe(ref)).toEqual({ desired: 2, running: 0, pending: 2, deploymentSteady: false });
    await capacity.setDesired(ref, 5);
    // moto runs every desired task at once after an update.
    expect(await capacity.describe(ref)).toEqual({ desired: 5, running: 5, pending: 0, deploymentSteady: true });
  });

  it('a missing service or cluster is a ServiceNotFoundError naming it', async () => {
    const ref = await createConsumerService(ecs, { service: 'billing', desiredCount: 1 });
    const missing = { cluster: ref.cluster, service: 'no-such-service' };
    await expect(capacity.describe(missing)).rejects.toThrow(ServiceNotFoundError);
    await expect(capacity.describe(missing)).rejects.toThrow(/ECS service no-such-service in cluster .* not found/);
    await expect(capacity.setDesired({ cluster: 'no-such-cluster', service: 'billing' }, 2)).rejects.toThrow(
      ServiceNotFoundError,
    );
  });

  it('describes many services ten per DescribeServices call of one cluster, each result in its place', async () => {
    const east = await createConsumerService(ecs, { service: 'svc-0', desiredCount: 1 });
    const west = await createConsumerService(ecs, { service: 'svc-0', desiredCount: 3 });
    for (let i = 1; i < 12; i++)
      await createConsumerService(ecs, { service: `svc-${i}`, desiredCount: 1, cluster: east.cluster });
    const { client, counts } = countCalls(
      new ECSClient({ ...awsClientConfig(services().moto), ...awsClientOptions() }),
    );
    const batched = new EcsServiceCapacity(client);
    const refs = [
      ...Array.from({ length: 12 }, (_, i) => ({ cluster: east.cluster, service: `svc-${i}` })),
      west,
      { cluster: east.cluster, service: 'no-such-service' },
      { cluster: 'no-such-cluster', service: 'svc-0' },
    ];
    const described = await batched.describeMany(refs);
    expect(described.map((d) => (d.kind === 'described' ? d.status.desired : d.error.name))).toEqual([
      ...Array.from({ length: 12 }, () => 1),
      3,
      'ServiceNotFoundError',
      'ServiceNotFoundError',
    ]);
    // east: 13 services -> 2 calls; west: 1; the missing cluster: 1.
    expect(counts.get('DescribeServices')).toBe(4);
  });

  it('retries throttled calls with backoff and then succeeds', async () => {
    const ref = await createConsumerService(ecs, { service: 'pharmacy', desiredCount: 1 });
    const faults = failingFirst(2, 'ThrottlingException');
    const throttled = new EcsServiceCapacity(
      new ECSClient({ ...awsClientConfig(services().moto), ...awsClientOptions(), requestHandler: faults.handler }),
    );
    await throttled.setDesired(ref, 4);
    expect(faults.calls).toBe(3);
    expect((await capacity.describe(ref)).desired).toBe(4);
  });

  it('gives up after the retry budget when throttling persists, with the throttling error', async () => {
    const ref = await createConsumerService(ecs, { service: 'housekeeping', desiredCount: 1 });
    const faults = failingFirst(100, 'ThrottlingException');
    const throttled = new EcsServiceCapacity(
      new ECSClient({
        ...awsClientConfig(services().moto),
        maxAttempts: 3,
        retryMode: 'adaptive',
        requestHandler: faults.handler,
      }),
    );
    await expect(throttled.setDesired(ref, 4)).rejects.toMatchObject({ name: 'ThrottlingException' });
    expect(faults.calls).toBe(3);
    expect((await capacity.describe(ref)).desired).toBe(1);
  });
});
