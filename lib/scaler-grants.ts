/** The function's permissions (internal): fixed ones at construction, and those that grow with the targets. */
import { Fn } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { KafkaAuthSpec } from './kafka-connection';

/** What the tick needs regardless of its targets: its namespace, other autoscalers (read only), Kafka authentication, the VPC. */
export function grantFixed(role: iam.IRole, options: { namespace: string; auth: KafkaAuthSpec; inVpc: boolean }): void {
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['cloudwatch:PutMetricData'],
      resources: ['*'],
      conditions: { StringEquals: { 'cloudwatch:namespace': options.namespace } },
    }),
  );
  // Other autoscalers on the services are looked for (reported, never changed); these read-only
  // actions have no resource-level permissions.
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['application-autoscaling:DescribeScalableTargets', 'application-autoscaling:DescribeScalingPolicies'],
      resources: ['*'],
    }),
  );
  const auth = options.auth;
  if (auth.type === 'sasl-scram' || auth.type === 'sasl-plain') auth.secret.grantRead(role);
  if (auth.type === 'msk-iam') {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['kafka-cluster:Connect'], resources: [auth.clusterArn] }),
    );
  }
  if (!options.inVpc) return;
  // Lambda attaches to the VPC with the function's role; these actions have no resource-level scope.
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: [
        'ec2:CreateNetworkInterface',
        'ec2:DescribeNetworkInterfaces',
        'ec2:DescribeSubnets',
        'ec2:DeleteNetworkInterface',
        'ec2:AssignPrivateIpAddresses',
        'ec2:UnassignPrivateIpAddresses',
      ],
      resources: ['*'],
    }),
  );
}

/** One target's part of the permissions. */
export interface TargetGrant {
  /** ARN of the ECS service the target scales. */
  readonly serviceArn: string;
  /** The consumer group. */
  readonly group: string;
  /** The topics measured; undefined: every topic the group committed on. */
  readonly topics: readonly string[] | undefined;
}

/**
 * Statements that grow as targets are added (their resources are read at synth): ecs:UpdateService
 * and DescribeServices on the named services only; with MSK IAM, DescribeGroup on the watched groups
 * and DescribeTopic on their topics (every topic of the cluster once a target measures all of its group's).
 */
export class TargetGrants {
  private readonly seen = new Set<string>();
  private services: iam.PolicyStatement | undefined;
  private groups: iam.PolicyStatement | undefined;
  private topics: iam.PolicyStatement | undefined;
  private allTopics = false;

  constructor(
    private readonly role: iam.IRole,
    private readonly mskClusterArn: string | undefined,
  ) {}

  add(target: TargetGrant): void {
    this.services = this.extend(this.services, ['ecs:DescribeServices', 'ecs:UpdateService'], [target.serviceArn]);
    const cluster = this.mskClusterArn;
    if (cluster === undefined) return;
    this.groups = this.extend(this.groups, ['kafka-cluster:DescribeGroup'], [mskArn(cluster, 'group', target.group)]);
    if (this.allTopics) return;
    if (target.topics === undefined) this.allTopics = true;
    const topics = target.topics === undefined ? ['*'] : target.topics;
    this.topics = this.extend(
      this.topics,
      ['kafka-cluster:DescribeTopic'],
      topics.map((topic) => mskArn(cluster, 'topic', topic)),
    );
  }

  /** The statement for these actions with the resources added (created with its first resource). */
  private extend(
    statement: iam.PolicyStatement | undefined,
    actions: string[],
    resources: readonly string[],
  ): iam.PolicyStatement {
    const fresh = resources.filter((arn) => !this.seen.has(`${actions[0]} ${arn}`));
    for (const arn of fresh) this.seen.add(`${actions[0]} ${arn}`);
    if (statement) {
      statement.addResources(...fresh);
      return statement;
    }
    const created = new iam.PolicyStatement({ actions, resources: fresh });
    this.role.addToPrincipalPolicy(created);
    return created;
  }
}

/** `arn:...:cluster/<name>/<uuid>` -> `arn:...:<kind>/<name>/<uuid>/<resource>` (MSK's group and topic ARNs). */
function mskArn(clusterArn: string, kind: 'topic' | 'group', name: string): string {
  return Fn.join('', [
    Fn.select(0, Fn.split(':cluster/', clusterArn)),
    `:${kind}/`,
    Fn.select(1, Fn.split(':cluster/', clusterArn)),
    `/${name}`,
  ]);
}
