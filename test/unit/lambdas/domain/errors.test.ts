import { describe, expect, it } from 'vitest';
import { asError, describeError, ProjectError } from '#domain/errors';

class ProbeError extends ProjectError {
  override name = 'ProbeError';
}

describe('ProjectError', () => {
  it('keeps the cause and says whether trying again can help', () => {
    const cause = new Error('connect ECONNREFUSED 127.0.0.1:9092');
    const error = new ProbeError('cannot reach Kafka', { cause, retriable: true });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('ProbeError');
    expect(error.cause).toBe(cause);
    expect(error.retriable).toBe(true);
  });

  it('is not retriable unless it says so, and has no cause unless given one', () => {
    const error = new ProbeError('bad broker address');
    expect(error.retriable).toBe(false);
    expect('cause' in error).toBe(false);
  });
});

describe('describeError', () => {
  it.each([
    ['an Error', new Error('boom'), 'boom'],
    ['a thrown string', 'plain text', 'plain text'],
    ['a thrown number', 42, '42'],
    ['undefined', undefined, 'undefined'],
    [
      'a client error wrapping the network error (kafkajs originalError)',
      Object.assign(new Error('Connection error'), { originalError: new Error('connect ECONNREFUSED') }),
      'Connection error (connect ECONNREFUSED)',
    ],
    [
      'an error with a standard cause',
      new Error('reading 3 group(s) failed', { cause: new Error('socket hang up') }),
      'reading 3 group(s) failed (socket hang up)',
    ],
    [
      'a cause the message already contains',
      new Error('failed: socket hang up', { cause: new Error('socket hang up') }),
      'failed: socket hang up',
    ],
  ])('describes %s', (_what, thrown, text) => {
    expect(describeError(thrown)).toBe(text);
  });
});

describe('asError', () => {
  it('passes an Error through and wraps anything else', () => {
    const error = new Error('x');
    expect(asError(error)).toBe(error);
    expect(asError('y')).toBeInstanceOf(Error);
    expect(asError('y').message).toBe('y');
  });
});
