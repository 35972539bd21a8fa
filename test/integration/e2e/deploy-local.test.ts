import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { services } from '../../support/services';
import { query } from './deploy';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const STACK = 'KafkaLagAutoscalerHospitalLocal';

/** `npm run deploy:local` / `destroy:local` as a user runs them (same stack and names: it replaces a deployment of yours). */
function localDeploy(command: 'deploy' | 'destroy'): { status: number | null; output: string } {
  const result = spawnSync(join(ROOT, 'node_modules', '.bin', 'tsx'), ['tools/local-deploy/cli.ts', command], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 420_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: result.status, output: `${result.stdout}\n${result.stderr}` };
}

async function stackStatus(): Promise<string> {
  try {
    const xml = await query(services().localstack, 'cloudformation', '2010-05-15', {
      Action: 'DescribeStacks',
      StackName: STACK,
    });
    return /<StackStatus>([^<]+)<\/StackStatus>/.exec(xml)?.[1] ?? 'unknown';
  } catch (error) {
    if (String(error).includes('does not exist')) return 'absent';
    throw error;
  }
}

describe('npm run deploy:local and destroy:local (the CDK CLI against LocalStack, ECS and DynamoDB on moto)', () => {
  it('bootstraps, deploys the example app, shows the first tick of its own schedule, and destroys it', async () => {
    const deployed = localDeploy('deploy');
    expect(deployed.output).toContain(`✅  ${STACK}`);
    expect(deployed.status, deployed.output.slice(-3000)).toBe(0);
    expect(await stackStatus()).toMatch(/^(CREATE|UPDATE)_COMPLETE$/);
    expect(deployed.output).toContain('first tick, one decision per target:');
    for (const department of ['billing', 'housekeeping', 'pharmacy']) {
      expect(deployed.output).toMatch(new RegExp(`\\] +${department}: (held|acted|dry-run) by rule '[a-z-]+'`));
      expect(deployed.output).toMatch(new RegExp(`SumOffsetLag\\{ConsumerGroup=${department}\\}: \\d+`));
    }
    expect(deployed.output).toContain('what to look at');

    const destroyed = localDeploy('destroy');
    expect(destroyed.status, destroyed.output.slice(-3000)).toBe(0);
    expect(destroyed.output).not.toContain('could not remove');
    expect(await stackStatus()).toBe('absent');
  }, 900_000);
});
