import {
  CreateClusterCommand,
  CreateServiceCommand,
  RegisterTaskDefinitionCommand,
  type ECSClient,
} from '@aws-sdk/client-ecs';
import { uniqueName } from './services';

/** Creates a cluster and a consumer service in moto's ECS, as a user's stack would have. */
export async function createConsumerService(
  ecs: ECSClient,
  options: { service: string; desiredCount: number; cluster?: string },
): Promise<{ cluster: string; service: string }> {
  const cluster = options.cluster ?? uniqueName('hospital');
  await ecs.send(new CreateClusterCommand({ clusterName: cluster }));
  const taskDefinition = await ecs.send(
    new RegisterTaskDefinitionCommand({
      family: uniqueName(`${options.service}-consumer`),
      containerDefinitions: [{ name: 'consumer', image: 'consumer:latest', memory: 512 }],
    }),
  );
  await ecs.send(
    new CreateServiceCommand({
      cluster,
      serviceName: options.service,
      taskDefinition: taskDefinition.taskDefinition?.taskDefinitionArn,
      desiredCount: options.desiredCount,
    }),
  );
  return { cluster, service: options.service };
}
