import { describe, expect, it } from 'vitest';
import { brokerAddressProblem, iamNameProblem, topicNameProblem } from '#domain/config/kafka-names';

describe('broker addresses: one rule for the schema, the CLI and the Kafka adapter', () => {
  it.each([
    'b-1.hospital.kafka.us-east-1.amazonaws.com:9096',
    '127.0.0.1:9092',
    'kafka_1:9092',
    '[::1]:9092',
    '[2001:db8::7]:9098',
    'localhost:1',
    'localhost:65535',
  ])('accepts %s', (address) => {
    expect(brokerAddressProblem(address)).toBeUndefined();
  });

  it.each([
    ['localhost', 'no port'],
    ['kafka:', "port '' is not a number"],
    ['kafka:http', "port 'http' is not a number"],
    ['b-1.example:0', 'port 0 is outside 1-65535'],
    ['b-1.example:99999', 'port 99999 is outside 1-65535'],
    ['-:9092', "host '-' is not a host name"],
    ['b-1-.example:9092', "host 'b-1-.example' is not a host name"],
    ['b-1..example:9092', 'has an empty label'],
    [':9092', 'the host is empty'],
    ['300.1.1.1:9092', "host '300.1.1.1' is not an IPv4 address"],
    ['1.2.3:9092', "host '1.2.3' is not an IPv4 address"],
    ['::1:9092', 'an IPv6 host goes in brackets'],
    ['[zz::1]:9092', "host '[zz::1]' is not an IPv6 address"],
    ['http://b-1:9092', 'a URL; give host:port without a scheme'],
    ['b 1:9092', "host 'b 1' is not a host name"],
  ])('rejects %j: %s', (address, problem) => {
    expect(brokerAddressProblem(address)).toContain(problem);
  });
});

describe('topic names (Kafka’s own rule)', () => {
  it.each(['patient-checkout', 'a.b_c-1', 'x'.repeat(249)])('accepts %s', (topic) => {
    expect(topicNameProblem(topic)).toBeUndefined();
  });
  it.each(['', '.', '..', 'patient checkout', '*', 'x'.repeat(250), 'ümlaut'])('rejects %j', (topic) => {
    expect(topicNameProblem(topic)).toMatch(/is not a Kafka topic name/);
  });
});

describe('IAM resource names (MSK IAM)', () => {
  it('rejects the wildcards IAM cannot escape, naming them', () => {
    expect(iamNameProblem('group', 'billing')).toBeUndefined();
    expect(iamNameProblem('group', '*')).toMatch(/group '\*' contains '\*', an IAM wildcard/);
    expect(iamNameProblem('group', 'bill?ng')).toMatch(/contains '\?'/);
  });
});
