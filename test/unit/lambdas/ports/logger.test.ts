import { describe, expect, it } from 'vitest';
import { ScalerConfigError } from '#domain/config/scaler-config';
import { parseLogLevel } from '#ports/logger';

describe('parseLogLevel', () => {
  it.each([
    [undefined, 'INFO'],
    ['', 'INFO'],
    ['debug', 'DEBUG'],
    [' Warn ', 'WARN'],
    ['ERROR', 'ERROR'],
  ] as const)('%j -> %s', (value, level) => {
    expect(parseLogLevel(value, 'LOG_LEVEL')).toBe(level);
  });

  it('rejects an unknown level naming the variable, the value and the choices (never silently INFO)', () => {
    expect(() => parseLogLevel('verbose', 'LOG_LEVEL')).toThrow(ScalerConfigError);
    expect(() => parseLogLevel('verbose', 'LOG_LEVEL')).toThrow(
      /LOG_LEVEL: 'verbose' is not a log level; use one of DEBUG, INFO, WARN, ERROR/,
    );
  });
});
