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
}

export const serviceNames = ['kafka', 'kafka39', 'localstack', 'moto'] as const;
export type ServiceName = (typeof serviceNames)[number];
/** What `up` starts when no names are given: `kafka39` (the 3.x broker of the oracle matrix) is opt-in. */
export const defaultServiceNames: readonly ServiceName[] = ['kafka', 'localstack', 'moto'];
