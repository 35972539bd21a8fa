/**
 * Shutdown signals, caught from the first statement of the process on. This file imports nothing,
 * so the entry point can install it before it loads (and connects) anything else: ECS sends SIGTERM
 * at any moment of a task's life, start-up included.
 */

/** The signals that ask the consumer to stop gracefully (ECS stop, Ctrl-C). */
export const shutdownSignals = ['SIGTERM', 'SIGINT'] as const;
/** One of {@link shutdownSignals}. */
export type ShutdownSignal = (typeof shutdownSignals)[number];

/** The part of `process` the latch needs (a fake in unit tests). */
export interface SignalSource {
  on(event: ShutdownSignal, listener: (signal: ShutdownSignal) => void): unknown;
}

/**
 * Remembers the first shutdown signal and hands it to whoever asks, whenever they ask: a signal
 * that arrives while the service is still loading is acted on as soon as the service exists.
 * Later signals never restart or cut short the shutdown the first one began; they are reported.
 */
export class SignalLatch {
  private first: ShutdownSignal | undefined;
  private readonly listeners: ((signal: ShutdownSignal) => void)[] = [];
  private repeated: (signal: ShutdownSignal) => void = () => undefined;

  /** Listens for {@link shutdownSignals} on `source` (the process) from now on. */
  static install(source: SignalSource): SignalLatch {
    const latch = new SignalLatch();
    for (const signal of shutdownSignals) source.on(signal, (received) => latch.receive(received));
    return latch;
  }

  /** The first signal received, if any. */
  get received(): ShutdownSignal | undefined {
    return this.first;
  }

  /** Calls `listener` once with the first signal: at once if it already arrived, else when it does. */
  onShutdown(listener: (signal: ShutdownSignal) => void): void {
    if (this.first === undefined) this.listeners.push(listener);
    else listener(this.first);
  }

  /** Called for every signal after the first (the shutdown it began goes on). */
  onRepeat(listener: (signal: ShutdownSignal) => void): void {
    this.repeated = listener;
  }

  receive(signal: ShutdownSignal): void {
    if (this.first !== undefined) {
      this.repeated(signal);
      return;
    }
    this.first = signal;
    for (const listener of this.listeners.splice(0)) listener(signal);
  }
}
