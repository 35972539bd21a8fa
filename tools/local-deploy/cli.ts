/**
 * `npm run deploy:local` / `npm run destroy:local`: the example app's LocalStack variant deployed the
 * way LocalStack users try any stack, with the CDK CLI pointed at the local services.
 *
 * deploy: starts Kafka, LocalStack and moto (cached, idempotent), builds the handler, creates the
 * moto side (cluster, services, state table) and a backlog on the topic, `cdk bootstrap`s LocalStack
 * once, `cdk deploy`s HospitalLocalStack (bin/app.ts -c local=true), waits for the stack's own
 * schedule to run the function and prints what to look at. destroy: `cdk destroy`, then the moto
 * side. The services keep running (`npm run services:down` stops them).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { describeError, ProjectError } from '../../lambdas/domain/errors';
import { ScalerMetricName } from '../../lambdas/ports/metrics-sink';
import { buildPackage } from '../build/package';
import { up } from '../services/manager';
import {
  ensureServices,
  ensureStateTable,
  removeLocalSide,
  seedBacklog,
  serviceCounts,
  type LocalSide,
} from './local-side';

/** A step of the local deployment failed. */
export class LocalDeployError extends ProjectError {
  override name = 'LocalDeployError';
}

const ROOT = join(import.meta.dirname, '..', '..');
const STACK = 'KafkaLagAutoscalerHospitalLocal';
const ACCOUNT = '000000000000';
const REGION = 'us-east-1';
const OUTPUTS = join(ROOT, '.cache', 'local-deploy', 'outputs.json');
const SIDE: LocalSide = {
  clusterName: 'hospital',
  serviceNames: ['billing', 'housekeeping', 'pharmacy'],
  stateTableName: 'kafka-lag-autoscaler-local-state',
  topic: 'patient-checkout',
};

interface Endpoints {
  readonly kafka: string;
  readonly localstack: string;
  readonly moto: string;
}

const say = (message: string): void => {
  process.stdout.write(`[deploy:local] ${message}\n`);
};

async function endpoints(): Promise<Endpoints> {
  const { services } = await up();
  const { kafka, localstack, moto } = services;
  if (!kafka || !localstack || !moto) throw new LocalDeployError('the services did not all start');
  return { kafka: kafka.endpoint, localstack: localstack.endpoint, moto: moto.endpoint };
}

/** The CDK CLI (this repository's aws-cdk 2.x) against LocalStack, with the local variant's context. */
function cdk(at: Endpoints, args: readonly string[]): void {
  const context = [
    ['local', 'true'],
    ['brokers', at.kafka],
    ['motoEndpoint', at.moto],
    ['clusterName', SIDE.clusterName],
    ['stateTable', SIDE.stateTableName],
    ['topic', SIDE.topic],
  ].flatMap(([key, value]) => ['-c', `${key}=${value}`]);
  const result = spawnSync(
    process.execPath,
    [join(ROOT, 'node_modules', 'aws-cdk', 'bin', 'cdk'), ...args, ...context, '--no-notices'],
    {
      cwd: ROOT,
      stdio: 'inherit',
      env: {
        ...process.env,
        AWS_ENDPOINT_URL: at.localstack,
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        AWS_REGION: REGION,
        AWS_DEFAULT_REGION: REGION,
        CDK_DISABLE_CLI_TELEMETRY: 'true',
      },
    },
  );
  if (result.status !== 0) throw new LocalDeployError(`cdk ${args[0] ?? ''} failed (exit ${result.status})`);
}

async function deploy(options: { wait: boolean; seed: boolean }): Promise<void> {
  const started = Date.now();
  const at = await endpoints();
  await buildPackage({ parts: ['lambda'] });
  await ensureServices(at.moto, SIDE);
  await ensureStateTable(at.moto, SIDE);
  say(`moto: cluster '${SIDE.clusterName}', services ${SIDE.serviceNames.join(', ')}, table '${SIDE.stateTableName}'`);
  if (options.seed) {
    const records = await seedBacklog(at.kafka, SIDE, 2400);
    say(`kafka: '${SIDE.topic}' holds ${records} records; groups without commits start at offset 0 (a backlog)`);
  }
  cdk(at, ['bootstrap', `aws://${ACCOUNT}/${REGION}`]);
  mkdirSync(join(ROOT, '.cache', 'local-deploy'), { recursive: true });
  cdk(at, ['deploy', STACK, '--require-approval', 'never', '--outputs-file', OUTPUTS]);
  const outputs = (JSON.parse(readFileSync(OUTPUTS, 'utf8')) as Record<string, Record<string, string>>)[STACK] ?? {};
  say(`deployed ${STACK} in ${Math.round((Date.now() - started) / 1000)} s`);
  const functionName = outputs.FunctionName ?? '?';
  if (options.wait) await showFirstTick(at, functionName, outputs.MetricsNamespace ?? 'KafkaLagAutoscaler');
  printWhatToLookAt(at, outputs);
}

/** The fields of the function's per-target decision log record this script prints. */
interface DecisionRecord {
  readonly target?: string;
  readonly outcome?: string;
  readonly decision?: {
    readonly rule?: string;
    readonly recommended?: number;
    readonly inputs?: { readonly current?: number; readonly detail?: string };
  };
}

/** Waits for the schedule to run the deployed function, then shows its decisions and what they did. */
async function showFirstTick(at: Endpoints, functionName: string, namespace: string): Promise<void> {
  say("waiting for the stack's schedule to run the function (LocalStack fires rules about once a minute)...");
  const logGroup = `/aws/lambda/${functionName}`;
  const deadline = Date.now() + 180_000;
  let decisions: DecisionRecord[] = [];
  while (Date.now() < deadline && decisions.length === 0) {
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    decisions = (await logLines(at.localstack, logGroup))
      .filter((line) => line.includes('"message":"decision"'))
      .map((line) => JSON.parse(line.slice(line.indexOf('{'))) as (typeof decisions)[number]);
  }
  if (decisions.length === 0) {
    say(`no decision in ${logGroup} after 3 minutes: look at .services/localstack.log`);
    return;
  }
  say('first tick, one decision per target:');
  for (const d of decisions.slice(0, SIDE.serviceNames.length)) {
    const { rule, recommended, inputs } = d.decision ?? {};
    say(
      `  ${d.target}: ${d.outcome} by rule '${rule}' (tasks ${inputs?.current} -> ${recommended}; ${inputs?.detail ?? ''})`,
    );
  }
  for (const [service, counts] of Object.entries(await serviceCounts(at.moto, SIDE)))
    say(`  moto ECS ${service}: ${counts}`);
  const lag = await sumOffsetLag(at.localstack, namespace);
  for (const [group, value] of Object.entries(lag))
    say(`  CloudWatch ${namespace} SumOffsetLag{ConsumerGroup=${group}}: ${value}`);
}

async function logLines(localstack: string, logGroupName: string): Promise<string[]> {
  const response = await fetch(`${localstack}/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'Logs_20140328.FilterLogEvents',
      authorization: `AWS4-HMAC-SHA256 Credential=test/20260101/${REGION}/logs/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: JSON.stringify({ logGroupName }),
  });
  if (!response.ok) return [];
  const body = (await response.json()) as { events?: { message: string }[] };
  return (body.events ?? []).flatMap((event) => event.message.split('\n')).filter((line) => line.trim() !== '');
}

async function sumOffsetLag(localstack: string, namespace: string): Promise<Record<string, number | string>> {
  const cloudwatch = new CloudWatchClient({
    endpoint: localstack,
    region: REGION,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  try {
    const data = await cloudwatch.send(
      new GetMetricDataCommand({
        StartTime: new Date(Date.now() - 600_000),
        EndTime: new Date(Date.now() + 60_000),
        MetricDataQueries: SIDE.serviceNames.map((group, i) => ({
          Id: `lag${i}`,
          MetricStat: {
            Metric: {
              Namespace: namespace,
              MetricName: ScalerMetricName.SUM_OFFSET_LAG,
              Dimensions: [{ Name: 'ConsumerGroup', Value: group }],
            },
            Period: 60,
            Stat: 'Maximum',
          },
        })),
      }),
    );
    return Object.fromEntries(
      SIDE.serviceNames.map((group, i) => [group, data.MetricDataResults?.[i]?.Values?.[0] ?? 'no point yet']),
    );
  } finally {
    cloudwatch.destroy();
  }
}

function printWhatToLookAt(at: Endpoints, outputs: Record<string, string>): void {
  const fn = outputs.FunctionName ?? '<FunctionName>';
  const credentials = `AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=${REGION}`;
  const aws = `${credentials} aws --endpoint-url ${at.localstack}`;
  const lines = [
    `stack outputs: ${JSON.stringify(outputs)}`,
    'what to look at (with the AWS CLI, if you have it; the function ticks once a minute):',
    `  its decisions       ${aws} logs tail /aws/lambda/${fn} --follow`,
    `  its metrics         ${aws} cloudwatch list-metrics --namespace ${outputs.MetricsNamespace ?? 'KafkaLagAutoscaler'}`,
    `  its alarms          ${aws} cloudwatch describe-alarms --query 'MetricAlarms[].[AlarmName,StateValue]'`,
    `  the services        ${credentials} aws --endpoint-url ${at.moto} ecs describe-services --cluster ${SIDE.clusterName} --services ${SIDE.serviceNames.join(' ')}`,
    `                      (or moto's dashboard: ${at.moto}/moto-api/)`,
    `  the lag itself      npm run lagscaler -- lag --brokers ${at.kafka} --group ${SIDE.serviceNames.join(' --group ')}`,
    `  a tick now          ${aws} lambda invoke --function-name ${fn} /dev/stdout`,
    'remove it: npm run destroy:local   (the services keep running: npm run services:down)',
  ];
  for (const line of lines) say(line);
}

async function destroy(): Promise<void> {
  const at = await endpoints();
  await buildPackage({ parts: ['lambda'] });
  cdk(at, ['destroy', STACK, '--force']);
  const failures = await removeLocalSide(at.moto, SIDE);
  for (const failure of failures) say(`could not remove ${failure}`);
  say(`destroyed ${STACK} and the moto side (cluster '${SIDE.clusterName}', table '${SIDE.stateTableName}')`);
}

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { 'no-wait': { type: 'boolean', default: false }, 'no-seed': { type: 'boolean', default: false } },
  });
  const [command] = positionals;
  if (command === 'deploy') await deploy({ wait: !values['no-wait'], seed: !values['no-seed'] });
  else if (command === 'destroy') await destroy();
  else throw new LocalDeployError(`usage: cli.ts deploy [--no-wait] [--no-seed] | destroy (got '${command ?? ''}')`);
}

main().catch((error: unknown) => {
  console.error(`[deploy:local] ${describeError(error)}`);
  process.exit(1);
});
