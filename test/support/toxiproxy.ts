/**
 * A small client for Toxiproxy's HTTP API (v2.5): proxies between the scaler and a real service, and
 * the toxics that make the network misbehave. Plain fetch: the npm client adds nothing we need.
 */
import { describeError } from '#domain/errors';

/** The toxics the fault suite uses (Toxiproxy's names and attributes). */
export type Toxic =
  /** Delays every chunk by `latency` ms (± `jitter`). */
  | { readonly type: 'latency'; readonly attributes: { readonly latency: number; readonly jitter?: number } }
  /** Stops all data; closes the connection after `timeout` ms (0: never, the peer just stops answering). */
  | { readonly type: 'timeout'; readonly attributes: { readonly timeout: number } }
  /** Resets the connection (TCP RST) after `timeout` ms of it (0: at once). */
  | { readonly type: 'reset_peer'; readonly attributes: { readonly timeout: number } }
  /** Closes the connection after `bytes` bytes went through: a message cut in the middle. */
  | { readonly type: 'limit_data'; readonly attributes: { readonly bytes: number } };

export type Stream = 'upstream' | 'downstream';

async function call(url: string, method: string, body?: unknown): Promise<unknown> {
  const response = await fetch(url, {
    method,
    headers: body === undefined ? undefined : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(5_000),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`toxiproxy ${method} ${url}: HTTP ${response.status} ${text}`);
  return text === '' ? undefined : (JSON.parse(text) as unknown);
}

/** One proxy: `listen` (127.0.0.1:port) forwards to `upstream` while no toxic says otherwise. */
export class Proxy {
  private toxics = 0;

  constructor(
    private readonly api: string,
    readonly name: string,
    readonly listenPort: number,
  ) {}

  /** `127.0.0.1:port`, for a Kafka client. */
  get address(): string {
    return `127.0.0.1:${this.listenPort}`;
  }

  /** `http://127.0.0.1:port`, for an AWS SDK client. */
  get url(): string {
    return `http://${this.address}`;
  }

  /** Adds a toxic to every connection, open and new; returns its name for `remove`. */
  async add(toxic: Toxic, stream: Stream = 'downstream'): Promise<string> {
    this.toxics += 1;
    const name = `${toxic.type}-${stream}-${this.toxics}`;
    await call(`${this.api}/proxies/${this.name}/toxics`, 'POST', { ...toxic, name, stream, toxicity: 1 });
    return name;
  }

  async remove(toxic: string): Promise<void> {
    await call(`${this.api}/proxies/${this.name}/toxics/${toxic}`, 'DELETE');
  }

  /** Removes every toxic of this proxy. */
  async clear(): Promise<void> {
    const toxics = (await call(`${this.api}/proxies/${this.name}/toxics`, 'GET')) as { name: string }[];
    await Promise.all(toxics.map((toxic) => this.remove(toxic.name)));
  }

  /** Disabled: every open connection is closed and new ones are refused (the service is gone). */
  async disable(): Promise<void> {
    await call(`${this.api}/proxies/${this.name}`, 'POST', { enabled: false });
  }

  async enable(): Promise<void> {
    await call(`${this.api}/proxies/${this.name}`, 'POST', { enabled: true });
  }

  /** Runs `fn` with the toxic in place, and removes it afterwards whatever happens. */
  async with<T>(toxic: Toxic, stream: Stream, fn: () => Promise<T>): Promise<T> {
    const name = await this.add(toxic, stream);
    try {
      return await fn();
    } finally {
      await this.remove(name);
    }
  }
}

/** The Toxiproxy server (started by `tools/services`, service `toxiproxy`). */
export class Toxiproxy {
  constructor(readonly endpoint: string) {}

  /** Creates the proxy, replacing one of the same name (a rerun), listening on 127.0.0.1 only. */
  async proxy(name: string, listenPort: number, upstream: string): Promise<Proxy> {
    await call(`${this.endpoint}/proxies/${name}`, 'DELETE').catch((error: unknown) => {
      if (!describeError(error).includes('HTTP 404')) throw error;
    });
    await call(`${this.endpoint}/proxies`, 'POST', {
      name,
      listen: `127.0.0.1:${listenPort}`,
      upstream,
      enabled: true,
    });
    return new Proxy(this.endpoint, name, listenPort);
  }

  async delete(proxy: Proxy): Promise<void> {
    await call(`${this.endpoint}/proxies/${proxy.name}`, 'DELETE');
  }
}
