import { describe, expect, it } from 'vitest';
import {
  clusterOf,
  compactScalerConfig,
  kafkaClustersOf,
  parseScalerConfig,
  parseScalerConfigJson,
  ScalerConfigError,
  targetId,
} from '#domain/config/scaler-config';

const valid = {
  kafka: {
    brokers: ['b-1.hospital:9096'],
    tls: true,
    auth: { type: 'sasl-scram', secretArn: 'arn:aws:secretsmanager:us-east-1:1:secret:AmazonMSK_x' },
  },
  targets: [{ group: 'billing', topics: ['patient-checkout'], service: { cluster: 'hospital', service: 'billing' } }],
};

const problemsOf = (raw: unknown): readonly string[] => {
  try {
    parseScalerConfig(raw);
  } catch (error) {
    if (error instanceof ScalerConfigError) return error.problems;
    throw error;
  }
  return [];
};

describe('scaler configuration', () => {
  it('applies documented defaults', () => {
    const config = parseScalerConfig(valid);
    expect(config.metricsNamespace).toBe('KafkaLagAutoscaler');
    expect(config.targets[0]?.isolation).toBe('read_uncommitted');
    expect(config.targets[0]?.offsetResetPolicy).toBe('latest');
    expect(config.targets[0]?.policy.drainTargetSeconds).toBe(300);
    expect(config.kafka?.auth).toEqual({
      type: 'sasl-scram',
      mechanism: 'scram-sha-512',
      secretArn: valid.kafka.auth.secretArn,
    });
    expect(targetId(config.targets[0] ?? { group: '' })).toBe('billing');
  });

  it.each([
    [
      { ...valid, kafka: { brokers: ['localhost'] } },
      /kafka\.brokers\[0\]: must be host:port \('localhost': no port\)/,
    ],
    [{ ...valid, kafka: { brokers: [] } }, /kafka\.brokers: give at least one broker/],
    [{ ...valid, kafka: { brokers: ['b-1.example:99999'] } }, /kafka\.brokers\[0\]: .*port 99999 is outside 1-65535/],
    [{ ...valid, kafka: { brokers: ['b-1.example:0'] } }, /kafka\.brokers\[0\]: .*port 0 is outside 1-65535/],
    [{ ...valid, kafka: { brokers: ['-:9092'] } }, /kafka\.brokers\[0\]: .*host '-' is not a host name/],
    [{ ...valid, kafka: { brokers: ['b-1..example:9092'] } }, /kafka\.brokers\[0\]: .*host 'b-1\.\.example'/],
    [
      { ...valid, kafka: { brokers: ['300.1.1.1:9092'] } },
      /kafka\.brokers\[0\]: .*host '300\.1\.1\.1' is not an IPv4 address/,
    ],
    [
      { ...valid, targets: [{ ...valid.targets[0], topics: ['patient checkout'] }] },
      /targets\[0\]\.topics\[0\]: topic 'patient checkout' is not a Kafka topic name/,
    ],
    [
      {
        ...valid,
        kafka: { brokers: ['b-1.msk:9098'], tls: true, auth: { type: 'msk-iam' } },
        targets: [{ ...valid.targets[0], group: 'billing-*' }],
      },
      /targets\[0\]\.group: group 'billing-\*' contains '\*'.*IAM/,
    ],
    [{ ...valid, targets: [] }, /targets: give at least one target/],
    [{ ...valid, targets: [{ group: 'billing' }] }, /targets\[0\]\.service/],
    [{ ...valid, colour: 'blue' }, /\(config\): unknown field\(s\) 'colour'/],
    [
      { ...valid, targets: [{ ...valid.targets[0], policy: { minTasks: 5, maxTasks: 2 } }] },
      /targets\[0\]\.policy\.minTasks: minTasks \(5\) is greater than maxTasks \(2\)/,
    ],
    [
      { ...valid, targets: [valid.targets[0], valid.targets[0]] },
      /targets\[1\]\.id: target id 'billing' is used twice/,
    ],
    [{ ...valid, kafka: { ...valid.kafka, auth: { type: 'sasl-scram' } } }, /kafka\.auth\.secretArn/],
  ])('rejects bad input and names the field (%#)', (raw, message) => {
    expect(problemsOf(raw).join('\n')).toMatch(message);
  });

  it('names the environment variable when it is missing or not JSON', () => {
    expect(() => parseScalerConfigJson(undefined, 'LAGSCALER_CONFIG')).toThrow(/LAGSCALER_CONFIG: not set/);
    expect(() => parseScalerConfigJson('{oops', 'LAGSCALER_CONFIG')).toThrow(/LAGSCALER_CONFIG: not valid JSON/);
  });
});

describe('compact configuration (what the Lambda environment carries)', () => {
  it('drops every default and parses back to the same configuration', () => {
    const full = parseScalerConfig({
      ...valid,
      dryRun: true,
      targets: [
        { group: 'billing', service: { cluster: 'hospital', service: 'billing' } },
        {
          id: 'rx',
          group: 'pharmacy',
          isolation: 'read_committed',
          topics: ['patient-checkout'],
          service: { cluster: 'hospital', service: 'pharmacy' },
          policy: { maxTasks: 12, drainTargetSeconds: 120 },
        },
      ],
    });
    const compact = compactScalerConfig(full);
    expect(compact).toEqual({
      dryRun: true,
      kafka: {
        brokers: ['b-1.hospital:9096'],
        tls: true,
        auth: { type: 'sasl-scram', mechanism: 'scram-sha-512', secretArn: valid.kafka.auth.secretArn },
      },
      targets: [
        { group: 'billing', service: { cluster: 'hospital', service: 'billing' } },
        {
          isolation: 'read_committed',
          id: 'rx',
          group: 'pharmacy',
          topics: ['patient-checkout'],
          service: { cluster: 'hospital', service: 'pharmacy' },
          policy: { drainTargetSeconds: 120, maxTasks: 12 },
        },
      ],
    });
    expect(parseScalerConfig(JSON.parse(JSON.stringify(compact)))).toEqual(full);
    expect(JSON.stringify(compact).length).toBeLessThan(JSON.stringify(full).length / 2);
  });

  it('accepts MSK-style comma-joined bootstrap brokers', () => {
    const config = parseScalerConfig({ ...valid, kafka: { brokers: ['b-1.msk:9098,b-2.msk:9098', 'b-3.msk:9098'] } });
    expect(config.kafka?.brokers).toEqual(['b-1.msk:9098', 'b-2.msk:9098', 'b-3.msk:9098']);
  });

  it('keeps named clusters and the targets that name them', () => {
    const full = parseScalerConfig({
      kafkaClusters: { east: { brokers: ['e:9092'], tls: true }, west: { brokers: ['w:9092'] } },
      targets: [{ group: 'billing', kafkaCluster: 'west', service: { cluster: 'c', service: 's' } }],
    });
    const compact = compactScalerConfig(full);
    expect(compact.kafkaClusters).toEqual({ east: { brokers: ['e:9092'], tls: true }, west: { brokers: ['w:9092'] } });
    expect(compact.targets[0]).toMatchObject({ kafkaCluster: 'west' });
    expect(parseScalerConfig(JSON.parse(JSON.stringify(compact)))).toEqual(full);
  });
});

describe('several Kafka clusters', () => {
  const service = { cluster: 'hospital', service: 'billing' };

  it('reads a target without kafkaCluster from kafka (the cluster named default), others from kafkaClusters', () => {
    const config = parseScalerConfig({
      kafka: { brokers: ['a:9092'] },
      kafkaClusters: { east: { brokers: ['e:9092'] } },
      targets: [
        { group: 'billing', service },
        { group: 'pharmacy', kafkaCluster: 'east', service },
      ],
    });
    expect(config.targets.map(clusterOf)).toEqual(['default', 'east']);
    expect([...kafkaClustersOf(config).keys()]).toEqual(['default', 'east']);
    expect(kafkaClustersOf(config).get('east')?.brokers).toEqual(['e:9092']);
  });

  it('needs no kafka when every target names its cluster', () => {
    const config = parseScalerConfig({
      kafkaClusters: { east: { brokers: ['e:9092'] } },
      targets: [{ group: 'billing', kafkaCluster: 'east', service }],
    });
    expect(config.kafka).toBeUndefined();
  });

  it.each([
    [{ targets: [{ group: 'billing', service }] }, /kafka: give the Kafka connection \(kafka\), or named clusters/],
    [
      { kafka: { brokers: ['a:1'] }, targets: [{ group: 'billing', kafkaCluster: 'west', service }] },
      /targets\[0\]\.kafkaCluster: 'west' is not a configured cluster; use one of 'default'/,
    ],
    [
      { kafkaClusters: { east: { brokers: ['e:1'] } }, targets: [{ group: 'billing', service }] },
      /targets\[0\]\.kafkaCluster: there is no default cluster \(kafka\); name one of 'east'/,
    ],
    [
      {
        kafka: { brokers: ['a:1'] },
        kafkaClusters: { default: { brokers: ['e:1'] } },
        targets: [{ group: 'billing', service }],
      },
      /kafkaClusters\.default: 'default' names the cluster of 'kafka'; rename this cluster/,
    ],
    [
      { kafkaClusters: { 'us east': { brokers: ['e:1'] } }, targets: [{ group: 'billing', service }] },
      /kafkaClusters\.us east: a cluster name may use letters, digits/,
    ],
    [
      { kafkaClusters: { east: { brokers: ['nohost'] } }, targets: [{ group: 'b', kafkaCluster: 'east', service }] },
      /kafkaClusters\.east\.brokers\[0\]: must be host:port/,
    ],
  ])('rejects cluster references that cannot work (%#)', (raw, message) => {
    expect(problemsOf(raw).join('\n')).toMatch(message);
  });
});
