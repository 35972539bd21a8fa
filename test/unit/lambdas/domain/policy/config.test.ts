import { describe, expect, it } from 'vitest';
import { defaultPolicyConfig, parsePolicyConfig, policyConfigOrThrow } from '#domain/policy/index';

describe('parsePolicyConfig', () => {
  it('applies documented defaults to an empty config', () => {
    const result = parsePolicyConfig({});
    expect(result).toEqual({ ok: true, config: defaultPolicyConfig });
    expect(defaultPolicyConfig).toMatchObject({
      drainTargetSeconds: 300,
      minTasks: 1,
      maxTasks: 64,
      rebalancePauseSeconds: 1,
      scaleInStabilizationSeconds: 300,
      assignor: 'range',
      allowIdleConsumers: false,
      scaleToZero: false,
      dryRun: false,
    });
  });

  it.each([
    [{ minTasks: 5, maxTasks: 2 }, 'minTasks', 'lower minTasks or raise maxTasks'],
    [{ drainTargetSeconds: 0 }, 'drainTargetSeconds', 'greater than 0'],
    [{ drainTargetSeconds: -5 }, 'drainTargetSeconds', 'greater than 0'],
    [{ lagPerTaskThreshold: 0 }, 'lagPerTaskThreshold', 'greater than 0'],
    [{ targetUtilization: 1.5 }, 'targetUtilization', 'at most 1'],
    [{ targetUtilization: 0 }, 'targetUtilization', 'greater than 0'],
    [{ minTasks: 0 }, 'minTasks', 'scaleToZero'],
    [{ maxTasks: 2.5 }, 'maxTasks', 'whole number'],
    [{ scaleInCooldownSeconds: -1 }, 'scaleInCooldownSeconds', '0 or more'],
    [{ maxStepUp: 0 }, 'maxStepUp', 'at least 1'],
    [{ dryRun: 'yes' }, 'dryRun', 'true or false'],
    [{ assignor: 'sticky' }, 'assignor', "'range', 'roundrobin', 'cooperative-sticky' or 'uniform'"],
    [{ drainTargetSecs: 60 }, 'drainTargetSecs', 'remove them or check the spelling'],
  ])('rejects %j naming %s and the fix', (raw, field, fix) => {
    const result = parsePolicyConfig(raw);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.join('\n')).toContain(field);
    expect(result.errors.join('\n')).toContain(fix);
  });

  it('throws one Error listing every problem', () => {
    expect(() => policyConfigOrThrow({ minTasks: 9, maxTasks: 3, drainTargetSeconds: 0 })).toThrow(
      /drainTargetSeconds[\s\S]*minTasks|minTasks[\s\S]*drainTargetSeconds/,
    );
  });

  it.each(['range', 'roundrobin', 'cooperative-sticky', 'uniform'] as const)('accepts the assignor %s', (assignor) => {
    const result = parsePolicyConfig({ assignor });
    expect(result.ok && result.config.assignor).toBe(assignor);
  });

  it('accepts a full valid config', () => {
    const result = parsePolicyConfig({ minTasks: 2, maxTasks: 24, maxStepUp: 4, dryRun: true });
    expect(result.ok && result.config.maxStepUp).toBe(4);
  });
});
