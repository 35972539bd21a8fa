import type { TestProject } from 'vitest/node';
import { down, up } from '../../tools/services/manager';
import type { ServiceEndpoints } from '../support/services';

/**
 * Starts Kafka, LocalStack and moto through the dev-services tool unless they already run, hands
 * their endpoints to the tests, and stops afterwards only what it started.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const { services, started } = await up();
  const { kafka, localstack, moto } = services;
  if (!kafka || !localstack || !moto) throw new Error('services: up() returned without all three services');
  const endpoints: ServiceEndpoints = {
    kafkaBrokers: kafka.endpoint,
    kafkaSaslBrokers: `127.0.0.1:${kafka.ports.sasl ?? 0}`,
    localstack: localstack.endpoint,
    moto: moto.endpoint,
  };
  project.provide('services', endpoints);
  return async () => {
    if (started.length > 0) await down(started);
  };
}
