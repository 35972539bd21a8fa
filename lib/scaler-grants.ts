/** The function's permissions (internal): fixed ones at construction, and those that grow with the targets. */
import { ArnFormat, Fn, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { KafkaAuthSpec } from './kafka-connection';

/** What the tick needs regardless of its targets: its namespace, other autoscalers (read only), each cluster's authentication, the VPC. */
export function grantFixed(
  role: iam.IRole,
  options: { namespace: string; auths: readonly KafkaAuthSpec[]; inVpc: boolean },
): void {
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
  for (const auth of options.auths) {
    if (auth.type === 'sasl-scram' || auth.type === 'sasl-plain') auth.secret.grantRead(role);
  }
  const mskClusters = options.auths.flatMap((auth) => (auth.type === 'msk-iam' ? [auth.clusterArn] : []));
  if (mskClusters.length > 0) {
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['kafka-cluster:Connect'], resources: mskClusters }));
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
  /** Name of the service's ECS cluster (for a grant on every service of the cluster). */
  readonly serviceCluster: string;
  /** The consumer group. */
  readonly group: string;
  /** The topics measured; undefined: every topic the group committed on. */
  readonly topics: readonly string[] | undefined;
  /** The name of the Kafka cluster the group lives on. */
  readonly kafkaCluster: string;
}

/**
 * Above this many services (or groups, or topics) the grants name their clusters instead (`service/
 * <cluster>/*`): IAM policies of a role hold about 10 KB inline (plus ten 6 KB managed policies), so
 * thousands of exact ARNs cannot be granted at all.
 */
export const EXACT_GRANTS_LIMIT = 100;

/**
 * Statements that grow with the targets, written once at synth when every target is known:
 * ecs:UpdateService and DescribeServices on the scaled services only (on every service of their ECS
 * clusters above EXACT_GRANTS_LIMIT services); with MSK IAM, DescribeGroup on the watched groups and
 * DescribeTopic on their topics (every topic of the cluster once a target measures all of its
 * group's), cluster-wide above the limit too.
 */
export class TargetGrants {
  private readonly targets: TargetGrant[] = [];

  constructor(
    private readonly role: iam.IRole,
    /** The ARN of each MSK IAM cluster by cluster name. */
    private readonly mskClusterArns: ReadonlyMap<string, string>,
  ) {}

  add(target: TargetGrant): void {
    this.targets.push(target);
  }

  /** Adds the statements to the role (once, at synth). */
  apply(): void {
    const stack = Stack.of(this.role);
    const exactServices = unique(this.targets.map((t) => t.serviceArn));
    const services =
      exactServices.length <= EXACT_GRANTS_LIMIT
        ? exactServices
        : unique(this.targets.map((t) => t.serviceCluster)).map((cluster) =>
            stack.formatArn({
              service: 'ecs',
              resource: 'service',
              resourceName: `${cluster}/*`,
              arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
            }),
          );
    this.grant(['ecs:DescribeServices', 'ecs:UpdateService'], services);
    const msk = this.targets.flatMap((t) => {
      const cluster = this.mskClusterArns.get(t.kafkaCluster);
      return cluster === undefined ? [] : [{ ...t, cluster }];
    });
    const groups = unique(msk.map((t) => `${t.cluster}\u0000${t.group}`));
    this.grant(
      ['kafka-cluster:DescribeGroup'],
      groups.length <= EXACT_GRANTS_LIMIT
        ? msk.map((t) => mskArn(t.cluster, 'group', t.group))
        : unique(msk.map((t) => t.cluster)).map((cluster) => mskArn(cluster, 'group', '*')),
    );
    const everyTopic = new Set(msk.filter((t) => t.topics === undefined).map((t) => t.cluster));
    const topics = unique(
      msk.flatMap((t) =>
        everyTopic.has(t.cluster) ? [] : (t.topics ?? []).map((topic) => `${t.cluster}\u0000${topic}`),
      ),
    );
    const wide = topics.length > EXACT_GRANTS_LIMIT;
    this.grant(
      ['kafka-cluster:DescribeTopic'],
      [
        ...unique(msk.map((t) => t.cluster))
          .filter((cluster) => wide || everyTopic.has(cluster))
          .map((cluster) => mskArn(cluster, 'topic', '*')),
        ...(wide
          ? []
          : topics.map((key) => {
              const [cluster = '', topic = ''] = key.split('\u0000');
              return mskArn(cluster, 'topic', topic);
            })),
      ],
    );
  }

  private grant(actions: string[], resources: readonly string[]): void {
    const distinct = unique(resources);
    if (distinct.length === 0) return;
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions, resources: distinct }));
  }
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
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
