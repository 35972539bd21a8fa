import { ConditionalCheckFailedException, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DescribeServicesCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import { createStateTable } from '../../support/scaler';
import { awsClientConfig, services, uniqueName } from '../../support/services';

describe('moto server (real, ECS and DynamoDB)', () => {
  it('stores an UpdateService desiredCount that DescribeServices then reports', async () => {
    const ecs = new ECSClient(awsClientConfig(services().moto));
    const cluster = uniqueName('hospital');
    await ecs.send(new CreateClusterCommand({ clusterName: cluster }));
    const taskDefinition = await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: uniqueName('billing-consumer'),
        containerDefinitions: [{ name: 'consumer', image: 'consumer:latest', memory: 512 }],
      }),
    );
    await ecs.send(
      new CreateServiceCommand({
        cluster,
        serviceName: 'billing',
        taskDefinition: taskDefinition.taskDefinition?.taskDefinitionArn,
        desiredCount: 1,
      }),
    );
    await ecs.send(new UpdateServiceCommand({ cluster, service: 'billing', desiredCount: 3 }));
    const described = await ecs.send(new DescribeServicesCommand({ cluster, services: ['billing'] }));
    expect(described.services?.[0]?.desiredCount).toBe(3);
    ecs.destroy();
  });

  it('rejects a DynamoDB conditional write whose condition is false', async () => {
    const dynamodb = new DynamoDBClient(awsClientConfig(services().moto));
    const table = await createStateTable(dynamodb);
    const write = (version: number) =>
      dynamodb.send(
        new PutItemCommand({
          TableName: table,
          Item: { target: { S: 'billing' }, version: { N: String(version) } },
          ConditionExpression: 'attribute_not_exists(target)',
        }),
      );
    await write(1);
    await expect(write(2)).rejects.toBeInstanceOf(ConditionalCheckFailedException);
    dynamodb.destroy();
  });
});
