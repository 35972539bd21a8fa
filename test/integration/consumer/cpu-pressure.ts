/**
 * CPU pressure for the chaos tests and benchmarks: one busy-looping child process per core, at the
 * same priority as everything else, so the broker and the consumers compete for the CPU as on a
 * loaded CI machine (the load under which timing-dependent races used to show up). Each child is
 * bounded: it exits after `maxMs` or as soon as its parent is gone, even if nobody stops it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';

/** The busy loop: spin in 50 ms slices; between slices check the deadline and that the parent still lives. */
const busyLoop = `
const [deadline, parent] = [Number(process.argv[1]), Number(process.argv[2])];
const alive = (pid) => { try { process.kill(pid, 0); return true; } catch { return false; } };
const slice = () => {
  if (Date.now() > deadline || process.ppid !== parent || !alive(parent)) process.exit(0);
  const end = Date.now() + 50;
  while (Date.now() < end) Math.sqrt(Math.random());
  setImmediate(slice);
};
slice();
`;

/** Running busy loops; {@link stop} ends them (by their PIDs). */
export class CpuPressure {
  private constructor(private readonly children: readonly ChildProcess[]) {}

  /** Starts `workers` busy loops (default: one per core) that end by themselves after `maxMs`. */
  static start(options: { readonly workers?: number; readonly maxMs?: number } = {}): CpuPressure {
    const workers = options.workers ?? availableParallelism();
    const deadline = Date.now() + (options.maxMs ?? 15 * 60_000);
    const children = Array.from({ length: workers }, () =>
      spawn(process.execPath, ['-e', busyLoop, String(deadline), String(process.pid)], { stdio: 'ignore' }),
    );
    return new CpuPressure(children);
  }

  /** How many busy loops run. */
  get workers(): number {
    return this.children.length;
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.children.map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGKILL');
        await exited;
      }),
    );
  }
}
