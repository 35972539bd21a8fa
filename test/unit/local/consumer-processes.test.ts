import { describe, expect, it } from 'vitest';
import { consumerCommand, consumerServices, type LocalConsumers } from '#local/consumer-processes';
import { twoTargets } from '#support/builders/session';

const billing = { department: 'billing', group: 'billing', processingTimeMs: 5 };
const pharmacy = { department: 'pharmacy', group: 'pharmacy', processingTimeMs: 8 };

const consumers = (faultyStarts: number): LocalConsumers => ({
  byService: new Map([
    ['billing', billing],
    ['pharmacy', pharmacy],
  ]),
  initialTasks: 2,
  faultyStarts,
});

const launch = { service: { cluster: 'local', service: 'billing' }, attempt: 0 };

describe('consumerCommand', () => {
  it('runs consumer/main.ts with this Node and tsx, for the group, topic and processing time', () => {
    const command = consumerCommand({
      brokers: ['127.0.0.1:9092', '127.0.0.1:9093'],
      topic: 'patient-checkout',
      spec: billing,
      faulty: false,
    });
    expect(command.command).toBe(process.execPath);
    expect(command.args.slice(0, 3)).toEqual(['--import', 'tsx', 'consumer/main.ts']);
    const flag = (name: string) => command.args[command.args.indexOf(name) + 1];
    expect(flag('--brokers')).toBe('127.0.0.1:9092,127.0.0.1:9093');
    expect(flag('--department')).toBe('billing');
    expect(flag('--group')).toBe('billing');
    expect(flag('--topic')).toBe('patient-checkout');
    expect(flag('--processing-time-ms')).toBe('5');
    // A crashed task must leave the group within seconds.
    expect(flag('--session-timeout-ms')).toBe('10000');
    expect(command.args).not.toContain('--batch-size');
  });

  it('adds an invalid batch size to a faulty start (the consumer exits 2 on it)', () => {
    const command = consumerCommand({ brokers: ['b:9092'], topic: 't', spec: billing, faulty: true });
    expect(command.args.slice(-2)).toEqual(['--batch-size', '0']);
  });
});

describe('consumerServices', () => {
  it('defines one service per target, named by its service, with the initial task count', () => {
    const services = consumerServices({ config: twoTargets, brokers: ['b:9092'], topic: 't', consumers: consumers(0) });
    expect(services.map((s) => [s.ref.service, s.initialDesired])).toEqual([
      ['billing', 2],
      ['pharmacy', 2],
    ]);
    const pharmacyArgs = services[1]?.launch(launch).args ?? [];
    expect(pharmacyArgs[pharmacyArgs.indexOf('--processing-time-ms') + 1]).toBe('8');
  });

  it('makes the first faulty starts of the whole run faulty, in launch order across services', () => {
    const [billingService, pharmacyService] = consumerServices({
      config: twoTargets,
      brokers: ['b:9092'],
      topic: 't',
      consumers: consumers(2),
    });
    const faulty = [billingService, pharmacyService, billingService, pharmacyService].map(
      (s) => s?.launch(launch).args.includes('--batch-size') ?? false,
    );
    expect(faulty).toEqual([true, true, false, false]);
  });

  it('names a target’s service that has no consumer definition', () => {
    const onlyBilling: LocalConsumers = { ...consumers(0), byService: new Map([['billing', billing]]) };
    expect(() =>
      consumerServices({ config: twoTargets, brokers: ['b:9092'], topic: 't', consumers: onlyBilling }),
    ).toThrow('no consumer definition for service pharmacy');
  });
});
