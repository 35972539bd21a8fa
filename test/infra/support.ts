import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App, Stage, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { assembleConfig, CONFIG_VARIABLES } from '#domain/config/delivery';
import type { ScalerConfig } from '#domain/config/scaler-config';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import type { ScalerAlarmsProps } from 'kafka-lag-autoscaler';

const cdkJson = JSON.parse(readFileSync(path.join(import.meta.dirname, '..', '..', 'cdk.json'), 'utf8')) as {
  context: Record<string, unknown>;
};

/** An App with the feature flags of cdk.json, so tests see what `cdk synth` sees. */
export function testApp(): App {
  return new App({ context: cdkJson.context });
}

/** cdk-nag AwsSolutions findings that are not acknowledged, as "rule at construct path". */
export function nagFindings(scope: IConstruct): string[] {
  const report = new AwsSolutionsChecks().validateScope(scope);
  return report.violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath}`));
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * A template string value (often an Fn::Join) as text, intrinsics rendered as ${Ref} or
 * ${Resource.Attribute}, so JSON carried in it can be parsed and compared.
 */
export function renderIntrinsics(value: Json | undefined): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const join = value['Fn::Join'];
    if (Array.isArray(join) && typeof join[0] === 'string' && Array.isArray(join[1])) {
      return join[1].map((part) => renderIntrinsics(part)).join(join[0]);
    }
    const ref = value.Ref;
    if (typeof ref === 'string') return `\${${ref}}`;
    const getAtt = value['Fn::GetAtt'];
    if (Array.isArray(getAtt)) return `\${${getAtt.map((part) => renderIntrinsics(part)).join('.')}}`;
  }
  throw new Error(`cannot render ${JSON.stringify(value)}`);
}

/** The only resource of a type, failing when there are none or several. */
export function onlyResource(template: Template, type: string): { Properties: Record<string, Json> } {
  const resources = Object.values(template.findResources(type)) as { Properties: Record<string, Json> }[];
  if (resources.length !== 1) throw new Error(`expected one ${type}, found ${resources.length}`);
  const [resource] = resources;
  if (!resource) throw new Error(`expected one ${type}`);
  return resource;
}

/** The only resource of a type whose logical id starts with a prefix (other constructs add their own). */
export function resourceNamed(
  template: Template,
  type: string,
  prefix: string,
): { Properties: Record<string, Json> } & Record<string, Json> {
  const matches = Object.entries(template.findResources(type)).filter(([id]) => id.startsWith(prefix));
  if (matches.length !== 1 || matches[0] === undefined) {
    throw new Error(`expected one ${type} named ${prefix}*, found ${matches.length}`);
  }
  return matches[0][1] as { Properties: Record<string, Json> } & Record<string, Json>;
}

/** The logical id of the only resource of a type. */
export function logicalId(template: Template, type: string, props: Record<string, unknown> = {}): string {
  const ids = Object.keys(template.findResources(type, props));
  if (ids.length !== 1 || ids[0] === undefined) throw new Error(`expected one ${type}, found ${ids.length}`);
  return ids[0];
}

const asSortedArray = (value: Json | undefined): Json[] =>
  (Array.isArray(value) ? [...value] : value === undefined ? [] : [value]).sort((a, b) =>
    JSON.stringify(a).localeCompare(JSON.stringify(b)),
  );

/**
 * IAM statements in a canonical form (actions and resources as sorted arrays, statements sorted),
 * so tests compare permissions, not the order the minimizePolicies flag happens to produce.
 */
export function canonicalStatements(statements: readonly Json[]): Json[] {
  return statements
    .map((statement) => {
      const s = statement as Record<string, Json>;
      return { ...s, Action: asSortedArray(s.Action), Resource: asSortedArray(s.Resource) };
    })
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

/** The environment variables of the only function whose logical id starts with a prefix. */
export function functionVariables(template: Template, prefix = 'ScalerTick'): Record<string, Json> {
  const properties = resourceNamed(template, 'AWS::Lambda::Function', prefix).Properties;
  return (properties.Environment as { Variables: Record<string, Json> }).Variables;
}

/** The configuration document as shipped (placeholders and all), found by the object key the function names. */
export function deliveredDocument(stack: Stack, template: Template): { key: string; documentJson: string } {
  const key = functionVariables(template)[CONFIG_VARIABLES.key];
  if (typeof key !== 'string')
    throw new Error(`${CONFIG_VARIABLES.key} is not a plain object key: ${JSON.stringify(key)}`);
  const stage = Stage.of(stack);
  if (stage === undefined) throw new Error('the stack is in no app');
  return { key, documentJson: readFileSync(path.join(stage.outdir, `asset.${key}`), 'utf8') };
}

/**
 * The configuration the scaler function reads, read as it does: the document (the S3 asset the
 * template names, staged in the cloud assembly) with its deploy-time values from the environment
 * (rendered as ${Ref} text), through the same schema. Synthesizes the stack's app (use it after Template.fromStack).
 */
export function deliveredConfig(stack: Stack, template: Template): ScalerConfig {
  const variables = functionVariables(template);
  const key = variables[CONFIG_VARIABLES.key];
  if (typeof key !== 'string')
    throw new Error(`${CONFIG_VARIABLES.key} is not a plain object key: ${JSON.stringify(key)}`);
  const stage = Stage.of(stack);
  if (stage === undefined) throw new Error('the stack is in no app');
  const documentJson = readFileSync(path.join(stage.outdir, `asset.${key}`), 'utf8');
  const references = Object.fromEntries(
    Object.entries(variables)
      .filter(([name]) => name.startsWith(CONFIG_VARIABLES.referencePrefix))
      .map(([name, value]) => [name, renderIntrinsics(value)]),
  );
  return assembleConfig({ documentJson, documentSource: key, references });
}

export type { Json, Stack };

/** Every per-target alarm off (a new alarm kind must be added here: the type asks for all of them). */
export const noAlarms = {
  timeLag: { enabled: false },
  healthError: { enabled: false },
  scalerErrors: { enabled: false },
  atMaxTasksLagGrowing: { enabled: false },
  offsetsLost: { enabled: false },
  hotPartition: { enabled: false },
  conflictingScalers: { enabled: false },
  stateConflicts: { enabled: false },
} satisfies Required<ScalerAlarmsProps>;
