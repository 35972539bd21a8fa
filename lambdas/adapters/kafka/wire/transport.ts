/**
 * Sends our own flexible-version requests over kafkajs's broker connections, so authentication
 * (SASL PLAIN/SCRAM, MSK IAM), TLS, timeouts and the ApiVersions handshake stay kafkajs's. kafkajs
 * writes request header v1; a flexible request needs header v2, which is v1 plus an empty
 * tagged-field section, so we put that byte first in the body. The response header v1 adds a
 * tagged-field section after the correlation id, which kafkajs leaves to us: we skip it.
 */
import { WireReader } from './codec';
import type { ApiVersionChoice } from './messages';

/** The parts of a kafkajs Broker we use (kafkajs 2.2.4, pinned). */
export interface KafkajsBroker {
  readonly nodeId?: number | string;
  readonly versions: Readonly<Record<number, { readonly minVersion: number; readonly maxVersion: number }>> | null;
  readonly connectionPool: {
    send(protocol: { request: KafkajsRequest; response: KafkajsResponse }): Promise<unknown>;
  };
}

interface KafkajsRequest {
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly apiName: string;
  encode(): Promise<{ readonly buf: Buffer; readonly buffer: Buffer }>;
}

interface KafkajsResponse {
  decode(payload: Buffer): Promise<Buffer>;
  parse(payload: Buffer): Promise<unknown>;
}

/** True when the broker's ApiVersions answer includes this API at this version. */
export function supports(broker: KafkajsBroker, api: ApiVersionChoice): boolean {
  const range = broker.versions?.[api.apiKey];
  return range !== undefined && range.minVersion <= api.version && api.version <= range.maxVersion;
}

/** The broker's version range of an API, as text for messages (`none` when it lacks the API). */
export function supportedRange(broker: KafkajsBroker, apiKey: number): string {
  const range = broker.versions?.[apiKey];
  return range === undefined ? 'none' : `v${range.minVersion}-v${range.maxVersion}`;
}

/** Sends one flexible request and decodes its response body. */
export async function sendFlexible<T>(
  broker: KafkajsBroker,
  api: ApiVersionChoice,
  body: Buffer,
  decode: (body: Buffer) => T,
): Promise<T> {
  const framed = Buffer.concat([Buffer.from([0]), body]);
  const request: KafkajsRequest = {
    apiKey: api.apiKey,
    apiVersion: api.version,
    apiName: api.apiName,
    encode: () => Promise.resolve({ buf: framed, buffer: framed }),
  };
  const response: KafkajsResponse = {
    decode: (payload) => Promise.resolve(payload),
    parse: (payload) => {
      const reader = new WireReader(payload, api.apiName);
      reader.tags(); // response header v1
      return Promise.resolve(decode(reader.remaining()));
    },
  };
  return (await broker.connectionPool.send({ request, response })) as T;
}
