/** What the state file records for one running service. */
export interface RunningService {
  readonly pid: number;
  readonly ports: Readonly<Record<string, number>>;
  /** How clients reach it: `host:port` for Kafka, a URL for the HTTP services. */
  readonly endpoint: string;
  readonly logFile: string;
  readonly startedAt: string;
  /** The configuration it was started with (see ServiceDefinition.fingerprint). */
  readonly fingerprint?: string;
}

/** One service the tool can install, start and health-check. */
export interface ServiceDefinition {
  readonly name: ServiceName;
  /** Installs what the service needs into the cache; idempotent and fast when already done. */
  provision(): Promise<void>;
  /** Starts the service and resolves once it is healthy. */
  start(): Promise<RunningService>;
  /** A real request to the service; true when it answers as expected. */
  healthy(service: RunningService): Promise<boolean>;
  /**
   * What the service is started with (listeners, plugins, versions). A running service whose
   * fingerprint differs was started by an older version of this tool: `up` restarts it.
   */
  fingerprint(): string;
  /**
   * Stops-and-starts support: starts the service again after its process was stopped, on the same
   * ports and data (a broker restart). Absent: the service cannot be restarted in place.
   */
  restart?(running: RunningService): Promise<RunningService>;
}

export const serviceNames = ['kafka', 'kafka39', 'localstack', 'moto', 'toxiproxy', 'kafka-faults'] as const;
export type ServiceName = (typeof serviceNames)[number];
/**
 * What `up` starts when no names are given. Opt-in: `kafka39` (the 3.x broker of the oracle matrix),
 * `toxiproxy` and `kafka-faults` (the fault suite's proxy and its own broker behind it).
 */
export const defaultServiceNames: readonly ServiceName[] = ['kafka', 'localstack', 'moto'];
