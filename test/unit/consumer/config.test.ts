import { describe, expect, it } from 'vitest';
import { ConfigError, configFromCommandLine, parseConfig } from '../../../consumer/config';

function problemsOf(run: () => unknown): readonly string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('consumer configuration', () => {
  it('defaults to the hospital example: billing on patient-checkout, sync commits after each batch', () => {
    const config = parseConfig({ brokers: '127.0.0.1:9092' });
    expect(config).toMatchObject({
      brokers: ['127.0.0.1:9092'],
      department: 'billing',
      group: 'billing',
      topic: 'patient-checkout',
      strategy: 'sync-batch',
      batchSize: 500,
      asyncMaxUncommitted: 1500,
      shutdownTimeoutMs: 25_000,
      healthPort: 0,
    });
  });

  it('takes the group from the department unless one is given', () => {
    expect(parseConfig({ brokers: 'b:9092', department: 'pharmacy' }).group).toBe('pharmacy');
    expect(parseConfig({ brokers: 'b:9092', department: 'pharmacy', group: 'pharmacy-eu' }).group).toBe('pharmacy-eu');
  });

  it.each([
    [{ brokers: undefined }, 'KAFKA_BROKERS / --brokers: required (got nothing)'],
    [{ brokers: 'localhost' }, 'each broker must be host:port'],
    [{ strategy: 'fast' }, 'COMMIT_STRATEGY / --strategy'],
    [{ department: 'radiology' }, 'DEPARTMENT / --department'],
    [{ batchSize: '0' }, 'BATCH_SIZE / --batch-size'],
    [{ processingTimeMs: 'slow' }, 'PROCESSING_TIME_MS / --processing-time-ms: must be a number (got "slow")'],
    [{ healthPort: '70000' }, 'HEALTH_PORT / --health-port'],
    [{ strategy: 'transactional' }, 'OUTPUT_TOPIC / --output-topic: required by the transactional strategy'],
    [{ outputTopic: 'patient-checkout' }, 'must differ from the input topic'],
    [{ sessionTimeoutMs: '6000', heartbeatIntervalMs: '3000' }, 'at most a third of the session timeout'],
    [{ batchSize: '100', asyncMaxUncommitted: '10' }, 'at least the batch size (100)'],
    [{ group: 'billing group' }, 'CONSUMER_GROUP / --group'],
  ])('rejects %o naming the field and the fix', (raw, expected) => {
    const problems = problemsOf(() => parseConfig({ brokers: '127.0.0.1:9092', ...raw }));
    expect(problems.join('\n')).toContain(expected);
    expect(problems.join('\n')).toContain('Fix: set');
  });

  it('reports every problem at once, with the value that was given', () => {
    const problems = problemsOf(() => parseConfig({ brokers: '127.0.0.1:9092', strategy: 'fast', batchSize: '-1' }));
    expect(problems).toHaveLength(2);
    expect(problems.join('\n')).toContain('(got "fast")');
  });

  it('lets a flag override its environment variable, and treats empty variables as unset', () => {
    const config = configFromCommandLine(['--strategy', 'async', '--batch-size', '50'], {
      KAFKA_BROKERS: 'k1:9092,k2:9092',
      COMMIT_STRATEGY: 'per-message',
      OUTPUT_TOPIC: '',
      PROCESSING_TIME_MS: '2.5',
    });
    expect(config).toMatchObject({
      brokers: ['k1:9092', 'k2:9092'],
      strategy: 'async',
      batchSize: 50,
      processingTimeMs: 2.5,
      outputTopic: undefined,
    });
  });

  it('rejects unknown flags', () => {
    expect(() => configFromCommandLine(['--stratgy', 'async'], { KAFKA_BROKERS: 'k:9092' })).toThrow(/unknown option/);
  });
});
