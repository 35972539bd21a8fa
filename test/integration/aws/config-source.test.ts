import { createHash } from 'node:crypto';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigSourceError, loadScalerConfig } from '#adapters/aws/config-source';
import { awsClientConfig, services, uniqueName } from '../../support/services';

describe('the configuration from S3 (LocalStack), as the construct ships it', () => {
  const s3 = new S3Client({ ...awsClientConfig(services().localstack), forcePathStyle: true });
  const bucket = uniqueName('kla-config');
  const document = JSON.stringify({
    kafka: { brokers: ['${LAGSCALER_REF_0}'] },
    targets: [{ group: 'billing', service: { cluster: 'hospital', service: '${LAGSCALER_REF_1}' } }],
    maxTargetsPerInvocation: 500,
  });
  const sha256 = createHash('sha256').update(document).digest('hex');
  const location = (overrides: Partial<{ key: string; sha256: string }> = {}) => ({
    kind: 's3' as const,
    bucket,
    key: 'config.json',
    sha256,
    references: { LAGSCALER_REF_0: 'b-1.msk:9096', LAGSCALER_REF_1: 'billing-Service-1AbC' },
    ...overrides,
  });

  beforeAll(async () => {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'config.json', Body: document }));
  });

  it('reads the object, checks its hash and fills in the deploy-time values', async () => {
    const config = await loadScalerConfig(location(), { s3: () => s3 });
    expect(config.kafka?.brokers).toEqual(['b-1.msk:9096']);
    expect(config.targets[0]?.service).toEqual({ cluster: 'hospital', service: 'billing-Service-1AbC' });
    expect(config.maxTargetsPerInvocation).toBe(500);
  });

  it('refuses an object that is not the one the deployment names', async () => {
    await expect(loadScalerConfig(location({ sha256: '00'.repeat(32) }), { s3: () => s3 })).rejects.toThrow(
      /has SHA-256 [0-9a-f]{64}, not the 0{64} this deployment names; .* deploy again/,
    );
  });

  it('names a missing object and the fix', async () => {
    const error = await loadScalerConfig(location({ key: 'gone.json' }), { s3: () => s3 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigSourceError);
    expect(String(error)).toMatch(
      new RegExp(`cannot read the scaler configuration s3://${bucket}/gone\\.json: .*check that the object exists`),
    );
  });

  it('reads an inline configuration without S3', async () => {
    const inline = JSON.stringify({
      kafka: { brokers: ['a:1'] },
      targets: [{ group: 'g', service: { cluster: 'c', service: 's' } }],
    });
    const config = await loadScalerConfig(
      { kind: 'inline', json: inline, variable: 'LAGSCALER_CONFIG' },
      {
        s3: () => {
          throw new Error('S3 must not be used');
        },
      },
    );
    expect(config.targets[0]?.group).toBe('g');
  });
});
