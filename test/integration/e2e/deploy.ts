/**
 * A deploy path for tests: synthesize a stack with the real KafkaLagScaler (its prebuilt handler),
 * upload its file assets to LocalStack S3 (path-style) and create it with LocalStack
 * CloudFormation. The AWS calls are plain HTTP (query, JSON and REST protocols): the repository has
 * no S3, CloudFormation or Logs SDK client, and LocalStack does not check signatures.
 * (`npm run deploy:local` deploys the example app with the CDK CLI instead: tools/local-deploy.)
 *
 * Test-only adaptations, made through the construct's public API in this test stack only: the
 * function's ECS, Application Auto Scaling and DynamoDB calls go to moto
 * (AWS_ENDPOINT_URL_ECS/_APPLICATION_AUTO_SCALING/_DYNAMODB), since LocalStack community has no ECS
 * or Application Auto Scaling and, offline, no DynamoDB; so the state table is one the test created in moto
 * (the `stateTable` prop).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, DefaultStackSynthesizer, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as sns from 'aws-cdk-lib/aws-sns';
import { KafkaLagScaler, type KafkaLagScalerProps } from 'kafka-lag-autoscaler';

const REPO_ROOT = join(import.meta.dirname, '..', '..', '..');

const ACCOUNT = '000000000000';
const REGION = 'us-east-1';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface SynthesizedStack {
  readonly stackName: string;
  readonly template: { Resources: Record<string, { Type: string; Properties?: Record<string, Json> }> };
  /** Zipped directories (the handler's code) and plain files (the configuration document). */
  readonly assets: readonly {
    readonly bucket: string;
    readonly key: string;
    readonly path: string;
    readonly zip: boolean;
  }[];
  readonly outdir: string;
}

/** Synthesizes one stack holding the scaler, with the function's ECS/DynamoDB endpoints and state table on moto. */
export function synthScalerStack(options: {
  stackName: string;
  assetBucket: string;
  moto: string;
  stateTable: { name: string };
  props: KafkaLagScalerProps;
}): SynthesizedStack {
  const cdkJson = JSON.parse(readFileSync(join(REPO_ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };
  const outdir = mkdtempSync(join(tmpdir(), 'kla-e2e-cdk-'));
  const app = new App({ outdir, context: cdkJson.context });
  const stack = new Stack(app, options.stackName, {
    env: { account: ACCOUNT, region: REGION },
    synthesizer: new DefaultStackSynthesizer({
      fileAssetsBucketName: options.assetBucket,
      generateBootstrapVersionRule: false,
    }),
  });
  const scaler = new KafkaLagScaler(stack, 'Scaler', {
    stateTable: dynamodb.Table.fromTableName(stack, 'StateTable', options.stateTable.name),
    // LocalStack 4.13.1 CloudFormation fails the construct's KMS key ("encoding without a string
    // argument" in kms.CreateKey): a plain topic of the test stack instead.
    alarmTopic: new sns.Topic(stack, 'AlarmTopic'),
    ...options.props,
  });
  scaler.function.addEnvironment('AWS_ENDPOINT_URL_ECS', options.moto);
  scaler.function.addEnvironment('AWS_ENDPOINT_URL_DYNAMODB', options.moto);
  // LocalStack community has no Application Auto Scaling (the tick looks for other autoscalers there).
  scaler.function.addEnvironment('AWS_ENDPOINT_URL_APPLICATION_AUTO_SCALING', options.moto);
  const assembly = app.synth();
  const artifact = assembly.getStackByName(options.stackName);
  const template = artifact.template as SynthesizedStack['template'];
  const manifest = JSON.parse(readFileSync(join(outdir, `${artifact.id}.assets.json`), 'utf8')) as {
    files: Record<
      string,
      {
        source: { path: string; packaging?: string };
        destinations: Record<string, { bucketName: string; objectKey: string }>;
      }
    >;
  };
  const assets = Object.values(manifest.files).flatMap((file) =>
    Object.values(file.destinations).map((d) => ({
      bucket: d.bucketName,
      key: d.objectKey,
      path: join(outdir, file.source.path),
      zip: file.source.packaging === 'zip',
    })),
  );
  return { stackName: options.stackName, template, assets, outdir };
}

/** A fake SigV4 Authorization header: LocalStack routes query-protocol requests by its scope. */
function authorization(service: string): string {
  return `AWS4-HMAC-SHA256 Credential=test/20260101/${REGION}/${service}/aws4_request, SignedHeaders=host, Signature=0`;
}

/**
 * A pooled keep-alive socket that LocalStack closed while the event loop was busy (a synchronous
 * synth takes seconds) is only noticed when a request is written to it: undici then fails with
 * UND_ERR_SOCKET before the server read anything, so sending once more on a new socket is safe.
 */
function isStaleSocket(error: unknown): boolean {
  return error instanceof TypeError && (error.cause as { code?: string } | undefined)?.code === 'UND_ERR_SOCKET';
}

async function call(url: string, init: RequestInit, what: string): Promise<string> {
  const send = () => fetch(url, { ...init, signal: AbortSignal.timeout(60_000) });
  const response = await send().catch(async (error: unknown) => {
    if (isStaleSocket(error)) return await send();
    throw error;
  });
  const body = await response.text();
  if (!response.ok) throw new Error(`${what}: HTTP ${response.status}: ${body.slice(0, 2000)}`);
  return body;
}

/** A query-protocol call (CloudFormation, CloudWatch alarms); returns the XML. */
export async function query(
  endpoint: string,
  service: string,
  version: string,
  params: Record<string, string>,
): Promise<string> {
  return await call(
    `${endpoint}/`,
    {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: authorization(service) },
      body: new URLSearchParams({ ...params, Version: version }).toString(),
    },
    `${service} ${params.Action}`,
  );
}

/** A JSON-protocol call, e.g. jsonCall(ls, 'logs', 'Logs_20140328.FilterLogEvents', {...}). */
export async function jsonCall<T>(endpoint: string, service: string, target: string, body: unknown): Promise<T> {
  const text = await call(
    `${endpoint}/`,
    {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': target,
        authorization: authorization(service),
      },
      body: JSON.stringify(body),
    },
    target,
  );
  return JSON.parse(text) as T;
}

function xmlValues(xml: string, tag: string): string[] {
  return [...xml.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g'))].map((m) => m[1] ?? '');
}

/** Uploads the assets (path-style S3; directories zipped) and creates the stack; resolves when CREATE_COMPLETE. */
export async function deployStack(endpoint: string, synthesized: SynthesizedStack): Promise<void> {
  const buckets = new Set(synthesized.assets.map((a) => a.bucket));
  for (const bucket of buckets) {
    await call(
      `${endpoint}/${bucket}`,
      { method: 'PUT', headers: { authorization: authorization('s3') } },
      'CreateBucket',
    );
  }
  for (const asset of synthesized.assets) {
    let file = asset.path;
    if (asset.zip) {
      file = join(synthesized.outdir, `${asset.key}.upload.zip`);
      execFileSync('python3', ['-c', ZIP_DIRECTORY, asset.path, file]);
    }
    await call(
      `${endpoint}/${asset.bucket}/${asset.key}`,
      { method: 'PUT', body: readFileSync(file), headers: { authorization: authorization('s3') } },
      `upload ${asset.key}`,
    );
  }
  await query(endpoint, 'cloudformation', '2010-05-15', {
    Action: 'CreateStack',
    StackName: synthesized.stackName,
    TemplateBody: JSON.stringify(synthesized.template),
    'Capabilities.member.1': 'CAPABILITY_IAM',
    'Capabilities.member.2': 'CAPABILITY_NAMED_IAM',
  });
  await waitForStack(endpoint, synthesized.stackName, 'CREATE_COMPLETE');
}

export async function destroyStack(endpoint: string, stackName: string): Promise<void> {
  await query(endpoint, 'cloudformation', '2010-05-15', { Action: 'DeleteStack', StackName: stackName });
  await waitForStack(endpoint, stackName, 'DELETE_COMPLETE');
}

async function waitForStack(endpoint: string, stackName: string, wanted: string): Promise<void> {
  const deadline = Date.now() + 180_000;
  let status = '';
  while (Date.now() < deadline) {
    const xml = await query(endpoint, 'cloudformation', '2010-05-15', {
      Action: 'DescribeStacks',
      StackName: stackName,
    }).catch((error: unknown) => {
      if (wanted === 'DELETE_COMPLETE' && String(error).includes('does not exist'))
        return '<StackStatus>DELETE_COMPLETE</StackStatus>';
      throw error;
    });
    status = xmlValues(xml, 'StackStatus')[0] ?? '';
    if (status === wanted) return;
    if (/FAILED|ROLLBACK/.test(status)) {
      const events = await query(endpoint, 'cloudformation', '2010-05-15', {
        Action: 'DescribeStackEvents',
        StackName: stackName,
      });
      const reasons = xmlValues(events, 'ResourceStatusReason').filter((r) => r !== '');
      throw new Error(`stack ${stackName} is ${status}: ${reasons.slice(0, 5).join(' | ')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  throw new Error(`stack ${stackName} did not reach ${wanted} (last status ${status})`);
}

/** The physical id of a resource of the stack. */
export async function physicalId(endpoint: string, stackName: string, logicalIdPrefix: string): Promise<string> {
  const xml = await query(endpoint, 'cloudformation', '2010-05-15', {
    Action: 'ListStackResources',
    StackName: stackName,
  });
  for (const member of xmlValues(xml, 'member')) {
    const logical = xmlValues(member, 'LogicalResourceId')[0] ?? '';
    if (logical.startsWith(logicalIdPrefix)) return xmlValues(member, 'PhysicalResourceId')[0] ?? '';
  }
  throw new Error(`no resource ${logicalIdPrefix}* in ${stackName}`);
}

/**
 * Whether LocalStack can run a Node function (LAMBDA_RUNTIME_EXECUTOR=local-node, installed by
 * `npm run services:up`): with the default Docker executor and no Docker, the function fails.
 */
export async function lambdaExecutorWorks(endpoint: string): Promise<boolean> {
  const dir = mkdtempSync(join(tmpdir(), 'kla-e2e-probe-'));
  const name = `kla-e2e-probe-${Math.random().toString(36).slice(2, 8)}`;
  const base = `${endpoint}/2015-03-31/functions`;
  const headers = { 'content-type': 'application/json', authorization: authorization('lambda') };
  try {
    writeFileSync(join(dir, 'index.mjs'), "export const handler = async () => 'ok';\n");
    const zip = join(dir, 'probe.zip');
    execFileSync('python3', ['-m', 'zipfile', '-c', zip, join(dir, 'index.mjs')]);
    await call(
      base,
      {
        method: 'POST',
        headers,
        body: JSON.stringify({
          FunctionName: name,
          Runtime: 'nodejs22.x',
          Role: `arn:aws:iam::${ACCOUNT}:role/probe`,
          Handler: 'index.handler',
          Code: { ZipFile: readFileSync(zip).toString('base64') },
        }),
      },
      'CreateFunction (probe)',
    );
    for (let i = 0; i < 40; i++) {
      const state = (
        JSON.parse(await call(`${base}/${name}`, { headers }, 'GetFunction')) as {
          Configuration?: { State?: string };
        }
      ).Configuration?.State;
      if (state === 'Active') break;
      if (state === 'Failed') return false;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const response = await fetch(`${base}/${name}/invocations`, { method: 'POST', headers, body: '{}' });
    return response.ok && !response.headers.has('x-amz-function-error') && (await response.text()) === '"ok"';
  } finally {
    await fetch(`${base}/${name}`, { method: 'DELETE', headers }).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

export function removeOutdir(synthesized: SynthesizedStack): void {
  rmSync(synthesized.outdir, { recursive: true, force: true });
}

export { xmlValues };

const ZIP_DIRECTORY = `
import os, sys, zipfile
source, target = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
    for root, _, files in os.walk(source):
        for name in sorted(files):
            path = os.path.join(root, name)
            z.write(path, os.path.relpath(path, source))
`;
