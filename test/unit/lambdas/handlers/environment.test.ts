import { describe, expect, it } from 'vitest';
import { readEnvironment } from '#handlers/environment';

describe('readEnvironment', () => {
  it('reads the table, region, inline config and log level', () => {
    expect(
      readEnvironment({ STATE_TABLE_NAME: 't', AWS_REGION: 'eu-west-1', LAGSCALER_CONFIG: '{}', LOG_LEVEL: 'debug' }),
    ).toEqual({
      stateTable: 't',
      region: 'eu-west-1',
      config: { kind: 'inline', json: '{}', variable: 'LAGSCALER_CONFIG' },
      logLevel: 'DEBUG',
    });
  });

  it('reads the S3 object the construct names and the deploy-time values beside it', () => {
    expect(
      readEnvironment({
        STATE_TABLE_NAME: 't',
        LAGSCALER_CONFIG_BUCKET: 'assets',
        LAGSCALER_CONFIG_KEY: 'abc.json',
        LAGSCALER_CONFIG_SHA256: 'ff',
        LAGSCALER_REF_0: 'arn:aws:secretsmanager:us-east-1:1:secret:x',
        LAGSCALER_REF_1: 'billing-AbC',
      }).config,
    ).toEqual({
      kind: 's3',
      bucket: 'assets',
      key: 'abc.json',
      sha256: 'ff',
      references: { LAGSCALER_REF_0: 'arn:aws:secretsmanager:us-east-1:1:secret:x', LAGSCALER_REF_1: 'billing-AbC' },
    });
  });

  it('names a missing state table, a bad log level and a missing or partial configuration pointer', () => {
    expect(() => readEnvironment({})).toThrow(/STATE_TABLE_NAME: not set/);
    expect(() => readEnvironment({ STATE_TABLE_NAME: 't', LOG_LEVEL: 'loud', LAGSCALER_CONFIG: '{}' })).toThrow(
      /LOG_LEVEL: 'loud'/,
    );
    expect(() => readEnvironment({ STATE_TABLE_NAME: 't' })).toThrow(
      /LAGSCALER_CONFIG: not set, and neither is LAGSCALER_CONFIG_BUCKET\/LAGSCALER_CONFIG_KEY/,
    );
    expect(() => readEnvironment({ STATE_TABLE_NAME: 't', LAGSCALER_CONFIG_BUCKET: 'b' })).toThrow(
      /LAGSCALER_CONFIG_KEY, LAGSCALER_CONFIG_SHA256: not set; LAGSCALER_CONFIG_BUCKET, LAGSCALER_CONFIG_KEY and LAGSCALER_CONFIG_SHA256 name the configuration object together/,
    );
  });
});
