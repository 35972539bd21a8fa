/**
 * Where the Lambda's configuration comes from, read once per execution environment (cold start):
 * either inline (LAGSCALER_CONFIG: small configurations, tests) or, as the construct deploys it, an
 * S3 object of any size plus the deploy-time values the environment carries (domain/config/delivery.ts).
 *
 * Reload: the construct names the object by its content hash and puts that hash in the
 * environment, so a changed configuration is a changed environment. Lambda replaces every execution
 * environment when a function's configuration changes, so the next invocation starts cold and reads
 * the new object; no polling, and no invocation ever runs half old, half new. The hash is also
 * checked against the bytes read.
 */
import { createHash } from 'node:crypto';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { assembleConfig } from '#domain/config/delivery';
import { parseScalerConfigJson, type ScalerConfig } from '#domain/config/scaler-config';
import { describeError, ProjectError } from '#domain/errors';

/** Where the configuration is, as the environment says. */
export type ConfigLocation =
  | { readonly kind: 'inline'; readonly json: string; readonly variable: string }
  | {
      readonly kind: 's3';
      readonly bucket: string;
      readonly key: string;
      /** SHA-256 (hex) of the object's bytes. */
      readonly sha256: string;
      /** Deploy-time values by variable name (LAGSCALER_REF_<n>), for the document's placeholders. */
      readonly references: Readonly<Record<string, string>>;
    };

/** The configuration document could not be fetched, or is not the one the deployment named. */
export class ConfigSourceError extends ProjectError {
  override name = 'ConfigSourceError';
}

/** Reads and validates the configuration; every failure names the variable or object and the fix. */
export async function loadScalerConfig(location: ConfigLocation, deps: { s3: () => S3Client }): Promise<ScalerConfig> {
  if (location.kind === 'inline') return parseScalerConfigJson(location.json, location.variable);
  const url = `s3://${location.bucket}/${location.key}`;
  const bytes = await fetchObject(deps.s3(), location, url);
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== location.sha256.toLowerCase()) {
    throw new ConfigSourceError(
      `${url} has SHA-256 ${actual}, not the ${location.sha256} this deployment names; the object was changed outside the deployment: deploy again`,
    );
  }
  return assembleConfig({ documentJson: bytes.toString('utf8'), documentSource: url, references: location.references });
}

async function fetchObject(s3: S3Client, location: { bucket: string; key: string }, url: string): Promise<Buffer> {
  try {
    const result = await s3.send(new GetObjectCommand({ Bucket: location.bucket, Key: location.key }));
    return Buffer.from((await result.Body?.transformToByteArray()) ?? new Uint8Array());
  } catch (error) {
    const name = (error as { name?: string }).name ?? 'Error';
    throw new ConfigSourceError(
      `cannot read the scaler configuration ${url}: ${describeError(error)}; check that the object exists and the function may s3:GetObject it`,
      { cause: error, retriable: name !== 'NoSuchKey' && name !== 'AccessDenied' },
    );
  }
}
