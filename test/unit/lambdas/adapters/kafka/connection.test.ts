import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { saslOptions } from '#adapters/kafka/connection';

/** The MSK IAM token is a SigV4-presigned kafka-cluster:Connect URL, signed offline by AWS's signer. */
describe('MSK IAM authentication (OAUTHBEARER with aws-msk-iam-sasl-signer-js)', () => {
  const saved = { ...process.env };
  beforeEach(() => {
    process.env.AWS_ACCESS_KEY_ID = 'AKIDEXAMPLE';
    process.env.AWS_SECRET_ACCESS_KEY = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
  });
  afterEach(() => {
    process.env = { ...saved };
  });

  it('provides a token for the cluster region that authorizes kafka-cluster:Connect', async () => {
    const options = saslOptions({ mechanism: 'aws-msk-iam', region: 'eu-west-1' });
    expect(options.mechanism).toBe('oauthbearer');
    if (options.mechanism !== 'oauthbearer') return;
    const { value } = await options.oauthBearerProvider();
    const url = new URL(Buffer.from(value, 'base64url').toString('utf8'));
    expect(url.host).toBe('kafka.eu-west-1.amazonaws.com');
    expect(url.searchParams.get('Action')).toBe('kafka-cluster:Connect');
    expect(url.searchParams.get('X-Amz-Credential')).toMatch(
      /^AKIDEXAMPLE\/\d{8}\/eu-west-1\/kafka-cluster\/aws4_request$/,
    );
    expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
  });
});
