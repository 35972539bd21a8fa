import { describe, expect, it } from 'vitest';
import { readEnvironment } from '#handlers/environment';

describe('readEnvironment', () => {
  it('reads the table, region, config and log level', () => {
    expect(
      readEnvironment({ STATE_TABLE_NAME: 't', AWS_REGION: 'eu-west-1', LAGSCALER_CONFIG: '{}', LOG_LEVEL: 'debug' }),
    ).toEqual({ stateTable: 't', region: 'eu-west-1', configJson: '{}', logLevel: 'DEBUG' });
  });

  it('names a missing state table and a bad log level', () => {
    expect(() => readEnvironment({})).toThrow(/STATE_TABLE_NAME: not set/);
    expect(() => readEnvironment({ STATE_TABLE_NAME: 't', LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL: 'loud'/);
  });
});
