import { parseScalerConfig } from '#domain/config/scaler-config';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { ConsumerService } from 'kafka-lag-autoscaler';
import { describe, expect, it } from 'vitest';
import { HospitalExampleStack } from '../../example/hospital-stack';
import { canonicalStatements, nagFindings, renderIntrinsics, resourceNamed, testApp, type Json } from './support';

// The example app's stack, with the function's prebuilt handler and the consumer image staged.
const app = testApp();
const hospital = new HospitalExampleStack(app, 'Hospital', {
  brokers: ['kafka-1.hospital.internal:9092', 'kafka-2.hospital.internal:9092'],
  alarmEmail: 'oncall@hospital.example',
});
const template = Template.fromStack(hospital);
const departments = ['billing', 'housekeeping', 'pharmacy'] as const;

interface AssetManifest {
  files: Record<string, { source: { path: string; packaging: string } }>;
  dockerImages: Record<string, { source: { directory: string; dockerFile?: string; platform?: string } }>;
}
/** The stack's asset manifest: what `cdk deploy` would upload and build. */
const assetManifest = (): { outdir: string; manifest: AssetManifest } => {
  const outdir = app.synth().directory;
  const file = path.join(outdir, 'Hospital.assets.json');
  return { outdir, manifest: JSON.parse(readFileSync(file, 'utf8')) as AssetManifest };
};

describe('ConsumerService', () => {
  const container = (department: string) => {
    const taskDefinitions = Object.entries(template.findResources('AWS::ECS::TaskDefinition')).filter(([id]) =>
      id.startsWith(`Consumer${department}`),
    );
    expect(taskDefinitions).toHaveLength(1);
    const properties = taskDefinitions[0]?.[1].Properties as { ContainerDefinitions: Record<string, Json>[] };
    expect(properties.ContainerDefinitions).toHaveLength(1);
    return properties.ContainerDefinitions[0] ?? {};
  };

  it.each(departments)('runs %s with the consumer environment and a graceful stop timeout', (department) => {
    const definition = container(department);
    expect(definition.StopTimeout).toBe(30);
    const environment = Object.fromEntries(
      (definition.Environment as { Name: string; Value: string }[]).map((e) => [e.Name, e.Value]),
    );
    expect(environment).toEqual({
      KAFKA_BROKERS: 'kafka-1.hospital.internal:9092,kafka-2.hospital.internal:9092',
      KAFKA_GROUP_ID: department,
      CONSUMER_GROUP: department,
      KAFKA_TOPIC: 'patient-checkout',
      COMMIT_STRATEGY: 'sync-batch',
      SHUTDOWN_TIMEOUT_MS: '25000',
      DEPARTMENT: department,
    });
    expect(definition.LogConfiguration).toMatchObject({ LogDriver: 'awslogs' });
  });

  it('runs on Fargate ARM64 in private subnets', () => {
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' },
      RequiresCompatibilities: ['FARGATE'],
    });
    template.resourceCountIs('AWS::ECS::Service', 3);
    template.allResourcesProperties('AWS::ECS::Service', {
      LaunchType: 'FARGATE',
      NetworkConfiguration: { AwsvpcConfiguration: { AssignPublicIp: 'DISABLED' } },
      DeploymentConfiguration: Match.objectLike({ MinimumHealthyPercent: 100, MaximumPercent: 200 }),
    });
  });

  it('leaves the desired count out of the template, so deploys never undo the scaler', () => {
    for (const service of Object.values(template.findResources('AWS::ECS::Service'))) {
      expect((service.Properties as Record<string, unknown>).DesiredCount).toBeUndefined();
    }
  });

  it('keeps its logs one month', () => {
    for (const department of departments) {
      expect(resourceNamed(template, 'AWS::Logs::LogGroup', `Consumer${department}Logs`).Properties).toMatchObject({
        RetentionInDays: 30,
      });
    }
  });

  it('builds the image from consumer/Dockerfile with the repository root as context, staging only what it needs', () => {
    const { outdir, manifest } = assetManifest();
    const images = Object.values(manifest.dockerImages);
    expect(images).toHaveLength(1);
    const image = images[0]?.source;
    expect(image?.dockerFile).toBe(path.join('consumer', 'Dockerfile'));
    expect(image?.platform).toBe('linux/arm64');
    const staged = path.join(outdir, image?.directory ?? '(none)');
    for (const file of [
      'consumer/Dockerfile',
      'consumer/main.ts',
      'package.json',
      'package-lock.json',
      'tsconfig.json',
      'lambdas/domain/errors.ts',
      'lambdas/domain/config/schema-issues.ts',
    ]) {
      expect(existsSync(path.join(staged, file)), file).toBe(true);
    }
    for (const absent of ['node_modules', 'lambdas/handlers', 'lambdas/adapters', 'cdk.out', '.git']) {
      expect(existsSync(path.join(staged, absent)), absent).toBe(false);
    }
  });

  it('rejects a stop timeout Fargate cannot honour', () => {
    const stack = new Stack(testApp(), 'Bad');
    const cluster = new ecs.Cluster(stack, 'Cluster', { vpc: new ec2.Vpc(stack, 'Vpc') });
    expect(
      () =>
        new ConsumerService(stack, 'Consumer', {
          cluster,
          brokers: ['k:9092'],
          consumerGroup: 'billing',
          topic: 'patient-checkout',
          image: ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/node:22-slim'),
          stopTimeout: Duration.minutes(3),
        }),
    ).toThrow(/stopTimeout must be between 10 and 120 seconds \(Fargate's limit\); got 3 minutes/);
  });
});

describe('HospitalExampleStack', () => {
  it('watches the three departments and may scale exactly their services', () => {
    const fn = resourceNamed(template, 'AWS::Lambda::Function', 'ScalerTick');
    const variables = (fn.Properties.Environment as { Variables: Record<string, Json> }).Variables;
    const config = parseScalerConfig(JSON.parse(renderIntrinsics(variables.LAGSCALER_CONFIG)));
    expect(config.targets.map((t) => [t.group, t.topics, t.policy.maxTasks])).toEqual(
      departments.map((d) => [d, ['patient-checkout'], 6]),
    );
    expect(config.dryRun).toBe(false);

    const policy = resourceNamed(template, 'AWS::IAM::Policy', 'ScalerTickRole').Properties.PolicyDocument as {
      Statement: Json[];
    };
    const ecsStatement = canonicalStatements(policy.Statement).find((s) => JSON.stringify(s).includes('ecs:'));
    expect(ecsStatement).toEqual({
      Effect: 'Allow',
      Action: ['ecs:DescribeServices', 'ecs:UpdateService'],
      Resource: departments.map((d) => hospital.resolve(hospital.consumers[d].service.serviceArn) as Json),
    });
  });

  it('ships the prebuilt tick handler: a minified ES module with a source map', () => {
    const { outdir, manifest } = assetManifest();
    const bundle = Object.values(manifest.files)
      .map((asset) => path.join(outdir, asset.source.path))
      .find((dir) => existsSync(path.join(dir, 'index.mjs')));
    expect(bundle).toBeDefined();
    expect(existsSync(path.join(bundle ?? '', 'index.mjs.map'))).toBe(true);
    const code = readFileSync(path.join(bundle ?? '', 'index.mjs'), 'utf8');
    expect(code.startsWith("import { createRequire } from 'module';")).toBe(true);
    expect(code).toMatch(/export\s*\{[^}]*\bhandler\b[^}]*\}/);
    // Minified: a 1 MB bundle on a few hundred lines at most (template literals), not tens of thousands.
    expect(code.split('\n').length).toBeLessThan(1000);
  });

  it('subscribes the alarm email to the alarm topic', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@hospital.example',
    });
  });

  it('enables VPC flow logs and Container Insights', () => {
    template.resourceCountIs('AWS::EC2::FlowLog', 1);
    template.hasResourceProperties('AWS::ECS::Cluster', {
      ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }],
    });
  });

  it('has no unacknowledged cdk-nag AwsSolutions findings and no synth errors or warnings', () => {
    expect(nagFindings(app)).toEqual([]);
    expect(Annotations.fromStack(hospital).findError('*', Match.anyValue())).toEqual([]);
    expect(Annotations.fromStack(hospital).findWarning('*', Match.anyValue())).toEqual([]);
  });
});
