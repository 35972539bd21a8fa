/**
 * The rules for the names and addresses the scaler hands to Kafka and IAM, written once: the
 * configuration schema runs them (at synth, at cold start, in the CLI) and the Kafka adapter runs the
 * same ones before it connects, so an address that passes here is one the client accepts. Pure.
 */

/** The example every broker message shows. */
export const BROKER_EXAMPLE = 'b-1.mycluster.kafka.us-east-1.amazonaws.com:9096';

const hostLabel = /^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/;
const ipv6 = /^[0-9A-Fa-f:.]+$/;

/** Why `host` cannot be a broker host (DNS name, IPv4 or bracketed IPv6), or undefined when it can. */
function hostProblem(host: string): string | undefined {
  if (host.startsWith('[') && host.endsWith(']')) {
    const inner = host.slice(1, -1);
    return ipv6.test(inner) && inner.includes(':') ? undefined : `host '${host}' is not an IPv6 address`;
  }
  if (host.length === 0) return 'the host is empty';
  if (host.length > 253) return `host '${host.slice(0, 20)}...' is longer than 253 characters`;
  const labels = host.split('.');
  if (labels.every((label) => /^\d+$/.test(label))) {
    const valid = labels.length === 4 && labels.every((label) => Number(label) <= 255);
    return valid ? undefined : `host '${host}' is not an IPv4 address`;
  }
  const bad = labels.find((label) => !hostLabel.test(label));
  if (bad === undefined) return undefined;
  const why =
    bad === ''
      ? 'has an empty label'
      : 'has a label that is not letters, digits, _ and - (not starting or ending with -)';
  return `host '${host}' is not a host name (it ${why})`;
}

/**
 * Why `address` is not a broker address `host:port` (a DNS name, IPv4 or bracketed IPv6 host; port
 * 1-65535), e.g. "port 99999 is outside 1-65535", or undefined when it is one.
 */
export function brokerAddressProblem(address: string): string | undefined {
  return addressPartProblem(address);
}

function addressPartProblem(address: string): string | undefined {
  const colon = address.lastIndexOf(':');
  const host = colon < 0 ? address : address.slice(0, colon);
  const port = colon < 0 ? '' : address.slice(colon + 1);
  if (colon < 0) return 'no port';
  if (!/^\d{1,5}$/.test(port)) return `port '${port}' is not a number`;
  if (host.includes('://')) return 'a URL; give host:port without a scheme';
  if (host.includes(':') && !host.startsWith('[')) return 'an IPv6 host goes in brackets, e.g. [::1]:9092';
  if (Number(port) < 1 || Number(port) > 65535) return `port ${port} is outside 1-65535`;
  return hostProblem(host);
}

/** Kafka's own topic rule (org.apache.kafka.common.internals.Topic): 1-249 of [a-zA-Z0-9._-], not . or .. */
export function topicNameProblem(topic: string): string | undefined {
  const legal = /^[A-Za-z0-9._-]{1,249}$/.test(topic) && topic !== '.' && topic !== '..';
  return legal
    ? undefined
    : `topic '${topic}' is not a Kafka topic name (1-249 letters, digits, '.', '_' and '-', not '.' or '..')`;
}

/**
 * With MSK IAM the group becomes part of an IAM resource ARN, where `*` and `?` are wildcards that
 * cannot be escaped: a group named `billing-*` would grant access to every group it matches.
 */
export function iamNameProblem(kind: 'group' | 'topic', name: string): string | undefined {
  const wildcard = ['*', '?'].find((character) => name.includes(character));
  if (wildcard === undefined) return undefined;
  return `${kind} '${name}' contains '${wildcard}', an IAM wildcard that cannot be escaped in the MSK IAM resource ARN; rename the ${kind} or use SASL/SCRAM`;
}
