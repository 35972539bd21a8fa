import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseProfileSpec } from '#local/load-profile';
import { runSession, repoRoot } from '#local/session';
import { demoPolicy, localScalerConfig } from '#local/demo';
import { services, uniqueName } from '../../support/services';

/** True while a process (or its process group) with this PID exists. */
function alive(pid: number): boolean {
  for (const target of [pid, -pid]) {
    try {
      process.kill(target, 0);
      return true;
    } catch {
      // ESRCH: gone.
    }
  }
  return false;
}

/** PIDs of processes whose command line mentions `text` (the unique topic of a test). */
function processesMentioning(text: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text);
      } catch {
        return false;
      }
    })
    .map(Number);
}

const profileOf = (spec: string) => {
  const parsed = parseProfileSpec(spec);
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  return parsed.profile;
};

describe('local mode (real broker, real consumer processes)', () => {
  it('scales out during a burst and back in after it, within the partitions; lag drains; report written; no process left', async () => {
    const brokers = services().kafkaBrokers;
    const topic = uniqueName('patient-checkout');
    const group = uniqueName('billing');
    const partitions = 6;
    const lagTargetSeconds = 5;
    // 10 s calm, a 35 s burst at about 4 processes' worth, then calm long enough to scale back in.
    const profile = profileOf('calm:10@60,burst:35@600,calm:75@60');
    const output: string[] = [];
    const started = Date.now();
    const result = await runSession({
      title: 'integration',
      connection: { brokers: [brokers] },
      config: localScalerConfig({
        brokers: [brokers],
        topic,
        groups: [{ department: 'billing', group, processingTimeMs: 5 }],
        policy: demoPolicy,
        dryRun: false,
      }),
      topic,
      consumers: {
        byService: new Map([[group, { department: 'billing', group, processingTimeMs: 5 }]]),
        initialTasks: 1,
        // The first start crashes (invalid flag, exit 2): retried with backoff, the run goes on.
        faultyStarts: 1,
      },
      load: { partitions, profile },
      startAtEnd: true,
      intervalSeconds: 2,
      durationSeconds: 120,
      lagTargetSeconds,
      reportDirectory: join(tmpdir(), 'lagscaler-it-reports'),
      workDirectory: join(repoRoot, '.cache', 'lagscaler-runs'),
      output: { write: (text) => output.push(text), isTTY: false },
      signal: new AbortController().signal,
      settings: {},
    });
    const log = output.join('');
    const context = `run output:\n${log}`;
    expect(Date.now() - started, context).toBeLessThan(170_000);
    expect(result.partitions).toBe(partitions);

    const samples = result.samples;
    const burstStart = samples[0]?.atMs ?? 0;
    const running = samples.map((s) => s.running ?? 0);
    const peak = Math.max(...running);
    const peakAt = running.indexOf(peak);
    // Rose during the burst, fell after it, never above the partition count.
    expect(peak, context).toBeGreaterThan(1);
    expect(
      running.slice(peakAt).some((n) => n < peak),
      context,
    ).toBe(true);
    for (const s of samples) {
      expect(s.running ?? 0, context).toBeLessThanOrEqual(partitions);
      expect(s.desired ?? 0, context).toBeLessThanOrEqual(partitions);
      expect(s.members ?? 0, context).toBeLessThanOrEqual(partitions);
    }
    expect(
      samples.some((s) => s.decision?.kind === 'scale' && s.decision.direction === 'out' && s.outcome === 'acted'),
    ).toBe(true);
    expect(
      samples.some((s) => s.decision?.kind === 'scale' && s.decision.direction === 'in' && s.outcome === 'acted'),
      context,
    ).toBe(true);
    expect(burstStart).toBeGreaterThan(0);

    // Lag came back under the target after the new consumers joined, and stayed there at the end.
    const [reaction] = result.reactions;
    expect(reaction?.scaleOut, context).toBeDefined();
    expect(reaction?.consumingAtMs, context).toBeDefined();
    expect(reaction?.underTargetAtMs, context).toBeDefined();
    expect(samples.at(-1)?.timeLagSeconds ?? Infinity, context).toBeLessThanOrEqual(lagTargetSeconds);

    // The crash on start was retried and the run went on.
    expect(log, context).toMatch(/reaction to the burst/);
    const reportPath = result.reportPath ?? '';
    expect(existsSync(reportPath)).toBe(true);
    const html = readFileSync(reportPath, 'utf8');
    for (const chart of ['lag', 'time-lag', 'tasks']) expect(html).toContain(`data-chart="${chart}"`);
    expect(html).toMatch(/<polyline points="[\d.,\s]+"/);
    expect(html).toContain('<table id="decisions">');
    expect(html).toMatch(/scale out 1 -&gt; \d/);
    expect(html).toContain('crashed-on-start');
    expect(html).toMatch(/<ul id="reaction">/);

    // Every consumer process the run started is gone, with its process group.
    expect(result.pids.length).toBeGreaterThan(2);
    expect(result.pids.filter(alive)).toEqual([]);
    expect(processesMentioning(topic)).toEqual([]);
  }, 175_000);

  it('npm start stops every consumer process and writes the report on Ctrl-C (SIGINT)', async () => {
    const topic = uniqueName('patient-checkout');
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'bin/start.ts',
        '--groups',
        'billing',
        '--topic',
        topic,
        '--partitions',
        '4',
        '--initial-tasks',
        '2',
        '--interval',
        '2',
        '--profile',
        'calm:120@50',
        '--report-dir',
        join(tmpdir(), 'lagscaler-it-reports'),
      ],
      { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const deadline = Date.now() + 60_000;
    while (!/tasks=2\/2 members=2/.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    expect(out).toMatch(/tasks=2\/2 members=2/);
    expect(processesMentioning(topic).length).toBeGreaterThanOrEqual(2);
    child.kill('SIGINT');
    const code = await exited;
    expect(code, out).toBe(0);
    expect(out).toMatch(/SIGINT: stopping/);
    expect(out).toMatch(/report: .*lagscaler-run-.*\.html/);
    expect(processesMentioning(topic)).toEqual([]);
  }, 90_000);
});
