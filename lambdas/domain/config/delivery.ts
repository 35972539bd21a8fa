/**
 * How the configuration reaches the Lambda: as a JSON document outside the environment (an S3
 * object the construct ships as an asset, of any size), the environment carrying only where it is
 * and the few values known only at deploy time (a secret's ARN, the name CloudFormation gives an
 * ECS service). Such a value is a placeholder `${LAGSCALER_REF_<n>}` in the document and the
 * variable of that name in the environment. Pure: the adapter that fetches the document is
 * adapters/aws/config-source.ts.
 */
import { parseJsonNamed, parseScalerConfig, ScalerConfigError, type ScalerConfig } from './scaler-config';
import type { SchemaProblem } from './schema-issues';

/** The Lambda's environment variables that point at the delivered configuration. */
export const CONFIG_VARIABLES = {
  /** Bucket and key of the document (an S3 object named by its content hash). */
  bucket: 'LAGSCALER_CONFIG_BUCKET',
  key: 'LAGSCALER_CONFIG_KEY',
  /** SHA-256 (hex) of the document's bytes, checked when it is read. */
  sha256: 'LAGSCALER_CONFIG_SHA256',
  /** Prefix of the variables holding deploy-time values (`LAGSCALER_REF_0`, ...). */
  referencePrefix: 'LAGSCALER_REF_',
} as const;

const PLACEHOLDER = /^\$\{(LAGSCALER_REF_\d+)\}$/;

/** The placeholder the document holds for the deploy-time value in the variable `name`. */
export function referencePlaceholder(index: number): { readonly variable: string; readonly placeholder: string } {
  const variable = `${CONFIG_VARIABLES.referencePrefix}${index}`;
  return { variable, placeholder: `\${${variable}}` };
}

/** The deploy-time values among environment variables, by variable name. */
export function referencesOf(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).flatMap(([name, value]) =>
      name.startsWith(CONFIG_VARIABLES.referencePrefix) && value !== undefined ? [[name, value]] : [],
    ),
  );
}

/** The document's placeholders replaced by their values; a placeholder without a variable is named with its field. */
function substitute(
  value: unknown,
  references: Readonly<Record<string, string>>,
  path: PropertyKey[],
  problems: SchemaProblem[],
): unknown {
  if (typeof value === 'string') {
    const variable = PLACEHOLDER.exec(value)?.[1];
    if (variable === undefined) return value;
    const found = references[variable];
    if (found === undefined) problems.push({ path, message: `names ${variable}, which is not set in the environment` });
    return found ?? value;
  }
  if (Array.isArray(value)) return value.map((item, index) => substitute(item, references, [...path, index], problems));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, substitute(item, references, [...path, key], problems)]),
    );
  }
  return value;
}

/** The configuration from its document and the deploy-time values, validated by the one schema. */
export function assembleConfig(parts: {
  readonly documentJson: string;
  /** Where the document came from (named in messages), e.g. `s3://bucket/key`. */
  readonly documentSource: string;
  /** The environment's deploy-time values by variable name. */
  readonly references: Readonly<Record<string, string>>;
}): ScalerConfig {
  const document = parseJsonNamed(parts.documentJson, parts.documentSource, 'the scaler configuration');
  const problems: SchemaProblem[] = [];
  const config = substitute(document, parts.references, [], problems);
  if (problems.length > 0) throw new ScalerConfigError(problems);
  return parseScalerConfig(config);
}
