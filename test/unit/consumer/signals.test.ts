import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { SignalLatch, type ShutdownSignal, type SignalSource } from '../../../consumer/signals';

/** A stand-in for `process`: emits signals on demand. */
function fakeProcess(): SignalSource & { send(signal: ShutdownSignal): void } {
  const emitter = new EventEmitter();
  return {
    on: (event, listener) => emitter.on(event, listener),
    send: (signal) => emitter.emit(signal, signal),
  };
}

describe('SignalLatch', () => {
  it('hands a signal that arrived before anyone listened to the first listener, at once', () => {
    const source = fakeProcess();
    const latch = SignalLatch.install(source);
    source.send('SIGTERM');
    const heard: string[] = [];
    latch.onShutdown((signal) => heard.push(signal));
    expect(latch.received).toBe('SIGTERM');
    expect(heard).toEqual(['SIGTERM']);
  });

  it('calls each listener once with the first signal; later signals are reported, not acted on', () => {
    const source = fakeProcess();
    const latch = SignalLatch.install(source);
    const heard: string[] = [];
    const repeated: string[] = [];
    latch.onShutdown((signal) => heard.push(`a ${signal}`));
    latch.onShutdown((signal) => heard.push(`b ${signal}`));
    latch.onRepeat((signal) => repeated.push(signal));
    expect(latch.received).toBeUndefined();
    source.send('SIGINT');
    source.send('SIGTERM');
    source.send('SIGINT');
    expect(heard).toEqual(['a SIGINT', 'b SIGINT']);
    expect(repeated).toEqual(['SIGTERM', 'SIGINT']);
    expect(latch.received).toBe('SIGINT');
  });
});
