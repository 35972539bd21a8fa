/**
 * The local stand-in for an ECS service: each service is a set of consumer processes. `setDesired`
 * starts or stops processes until the count matches; a process counts as running once it has joined
 * its group (its log says so), as pending before that, so the policy's settle gate means what it
 * means on ECS. A process that dies is replaced with exponential backoff, as ECS replaces a task.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ServiceRef, ServiceStatus, ServiceCapacity } from '#ports/service-capacity';
import { ServiceNotFoundError } from '#ports/service-capacity';

/** What to run for one task: the command line and extra environment. */
export interface TaskCommand {
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
}

/** Which task is being started: `attempt` counts every start of the service, from 0. */
export interface TaskLaunch {
  readonly service: ServiceRef;
  readonly attempt: number;
}

/** One local service: its ECS name, how many tasks it starts with, and how to launch a task. */
export interface LocalServiceDefinition {
  readonly ref: ServiceRef;
  readonly initialDesired: number;
  readonly launch: (task: TaskLaunch) => TaskCommand;
}

/** Something that happened to a task, for the view and the report. */
export interface TaskEvent {
  readonly atMs: number;
  readonly service: string;
  readonly pid: number | undefined;
  readonly kind: 'started' | 'ready' | 'stopping' | 'exited' | 'crashed-on-start' | 'crashed' | 'spawn-failed';
  readonly detail: string;
}

export type TaskState = 'pending' | 'running' | 'stopping';

/** One task as the view shows it. */
export interface TaskView {
  readonly pid: number | undefined;
  readonly state: TaskState;
  readonly startedAtMs: number;
  readonly readyAtMs: number | undefined;
  readonly processed: number;
  readonly partitions: readonly string[];
}

/** One service as the view shows it. */
export interface LocalServiceView {
  readonly service: string;
  readonly desired: number;
  readonly tasks: readonly TaskView[];
  /** Starts that failed in a row (reset when a task becomes ready). */
  readonly consecutiveFailures: number;
  readonly lastFailure: string | undefined;
  /** When the next start is allowed after failures (epoch ms), if in backoff. */
  readonly retryAtMs: number | undefined;
}

export interface ProcessServiceCapacityOptions {
  readonly services: readonly LocalServiceDefinition[];
  /** Each task's output is appended to `<service>-<pid>.log` here. */
  readonly logDirectory: string;
  /** Working directory of the tasks. */
  readonly cwd: string;
  /** First retry delay after a failed start, doubled per failure up to `maxBackoffMs`. @default 1000 */
  readonly initialBackoffMs?: number;
  /** @default 30000 */
  readonly maxBackoffMs?: number;
  /** How long a stopping task may take before it is killed (ECS stopTimeout). @default 30000 */
  readonly stopTimeoutMs?: number;
  readonly now?: () => number;
  readonly onEvent?: (event: TaskEvent) => void;
}

interface Task {
  readonly child: ChildProcess;
  readonly pid: number | undefined;
  state: TaskState;
  readonly startedAtMs: number;
  readyAtMs: number | undefined;
  processed: number;
  partitions: readonly string[];
  stderrTail: string;
  readonly exited: Promise<void>;
}

interface ServiceSlot {
  readonly definition: LocalServiceDefinition;
  desired: number;
  attempts: number;
  tasks: Task[];
  consecutiveFailures: number;
  lastFailure: string | undefined;
  retryAtMs: number | undefined;
}

const keyOf = (ref: ServiceRef): string => `${ref.cluster}/${ref.service}`;

/** Consumer states (consumer/progress.ts) in which the process is a member of its group. */
const memberStates = new Set(['running', 'rebalancing']);

/** Local processes as ECS services. Call `start()` to reconcile in the background and `stopAll()` to end. */
export class ProcessServiceCapacity implements ServiceCapacity {
  private readonly services = new Map<string, ServiceSlot>();
  private readonly startedPids: number[] = [];
  private readonly events: TaskEvent[] = [];
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly now: () => number;

  constructor(private readonly options: ProcessServiceCapacityOptions) {
    this.now = options.now ?? Date.now;
    mkdirSync(options.logDirectory, { recursive: true });
    for (const definition of options.services) {
      this.services.set(keyOf(definition.ref), {
        definition,
        desired: definition.initialDesired,
        attempts: 0,
        tasks: [],
        consecutiveFailures: 0,
        lastFailure: undefined,
        retryAtMs: undefined,
      });
    }
  }

  /** Starts the initial tasks and keeps reconciling (replacing dead tasks) every `intervalMs`. */
  start(intervalMs = 500): void {
    this.reconcileAll();
    this.timer = setInterval(() => this.reconcileAll(), intervalMs);
  }

  async describe(service: ServiceRef): Promise<ServiceStatus> {
    const slot = this.slotOf(service);
    this.reconcile(slot);
    const running = slot.tasks.filter((t) => t.state === 'running').length;
    const pending = slot.tasks.filter((t) => t.state === 'pending').length;
    const stopping = slot.tasks.filter((t) => t.state === 'stopping').length;
    return {
      desired: slot.desired,
      running,
      pending,
      deploymentSteady: running === slot.desired && pending === 0 && stopping === 0,
    };
  }

  async setDesired(service: ServiceRef, count: number): Promise<void> {
    const slot = this.slotOf(service);
    slot.desired = count;
    this.reconcile(slot);
  }

  /** What the view shows of every service. */
  view(): readonly LocalServiceView[] {
    return [...this.services.values()].map((slot) => ({
      service: slot.definition.ref.service,
      desired: slot.desired,
      tasks: slot.tasks.map((t) => ({
        pid: t.pid,
        state: t.state,
        startedAtMs: t.startedAtMs,
        readyAtMs: t.readyAtMs,
        processed: t.processed,
        partitions: t.partitions,
      })),
      consecutiveFailures: slot.consecutiveFailures,
      lastFailure: slot.lastFailure,
      retryAtMs: slot.retryAtMs !== undefined && slot.retryAtMs > this.now() ? slot.retryAtMs : undefined,
    }));
  }

  /** Every task event so far, oldest first. */
  taskEvents(): readonly TaskEvent[] {
    return this.events;
  }

  /** The PID of every process this capacity ever started (to prove none is left). */
  pids(): readonly number[] {
    return this.startedPids;
  }

  /**
   * Stops every task (SIGTERM to its process group, SIGKILL after the stop timeout) and waits for
   * all of them to exit. Safe to call more than once.
   */
  async stopAll(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    const all = [...this.services.values()].flatMap((slot) => slot.tasks);
    for (const slot of this.services.values()) for (const task of slot.tasks) this.terminate(slot, task);
    await Promise.all(all.map((task) => task.exited));
  }

  /** Last resort on process exit: SIGKILL every task's process group at once (synchronous). */
  killAllNow(): void {
    for (const slot of this.services.values()) for (const task of slot.tasks) signalGroup(task, 'SIGKILL');
  }

  private slotOf(service: ServiceRef): ServiceSlot {
    const slot = this.services.get(keyOf(service));
    if (!slot) throw new ServiceNotFoundError(service, 'not one of the local services of this run');
    return slot;
  }

  private emit(event: Omit<TaskEvent, 'atMs'>): void {
    const full = { atMs: this.now(), ...event };
    this.events.push(full);
    this.options.onEvent?.(full);
  }

  private reconcileAll(): void {
    for (const slot of this.services.values()) this.reconcile(slot);
  }

  private reconcile(slot: ServiceSlot): void {
    if (this.stopped) return;
    const live = slot.tasks.filter((t) => t.state !== 'stopping');
    if (live.length > slot.desired) {
      // Stop the youngest first: pending tasks have no partitions yet, so removing them moves nothing.
      const byAge = [...live].sort((a, b) => {
        if (a.state !== b.state) return a.state === 'pending' ? -1 : 1;
        return b.startedAtMs - a.startedAtMs;
      });
      for (const task of byAge.slice(0, live.length - slot.desired)) this.terminate(slot, task);
      return;
    }
    const missing = slot.desired - live.length;
    if (missing <= 0) return;
    if (slot.retryAtMs !== undefined && this.now() < slot.retryAtMs) return;
    // After a failure, start one task at a time until one comes up (a bad image fails them all alike).
    const probing = slot.consecutiveFailures > 0;
    if (probing && live.some((t) => t.state === 'pending')) return;
    const count = probing ? 1 : missing;
    for (let i = 0; i < count; i++) this.spawnTask(slot);
  }

  private spawnTask(slot: ServiceSlot): void {
    const service = slot.definition.ref.service;
    const launch = slot.definition.launch({ service: slot.definition.ref, attempt: slot.attempts++ });
    const child = spawn(launch.command, [...launch.args], {
      cwd: this.options.cwd,
      env: { ...process.env, ...launch.env },
      // Its own process group: a stop reaches the consumer and anything it started.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const pid = child.pid;
    const logFile = join(this.options.logDirectory, `${service}-${pid ?? 'unstarted'}.log`);
    let resolveExit: () => void = () => undefined;
    const task: Task = {
      child,
      pid,
      state: 'pending',
      startedAtMs: this.now(),
      readyAtMs: undefined,
      processed: 0,
      partitions: [],
      stderrTail: '',
      exited: new Promise<void>((resolve) => (resolveExit = resolve)),
    };
    slot.tasks.push(task);
    if (pid !== undefined) this.startedPids.push(pid);
    this.emit({ service, pid, kind: 'started', detail: `attempt ${slot.attempts}` });

    let buffered = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      appendFileSync(logFile, text);
      buffered += text;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) this.onLogLine(slot, task, line);
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      appendFileSync(logFile, text);
      task.stderrTail = (task.stderrTail + text).slice(-2000);
    });
    child.once('error', (error) => {
      this.emit({ service, pid, kind: 'spawn-failed', detail: error.message });
    });
    child.once('close', (code, signal) => {
      slot.tasks = slot.tasks.filter((t) => t !== task);
      if (task.state === 'stopping') {
        this.emit({ service, pid, kind: 'exited', detail: `exit ${code ?? signal ?? '?'}` });
      } else {
        const onStart = task.readyAtMs === undefined;
        const reason = `${onStart ? 'crashed on start' : 'crashed'}: exit ${code ?? signal ?? '?'}${lastLine(task.stderrTail)}`;
        slot.consecutiveFailures += 1;
        slot.lastFailure = reason;
        const backoff = Math.min(
          this.options.maxBackoffMs ?? 30_000,
          (this.options.initialBackoffMs ?? 1000) * 2 ** (slot.consecutiveFailures - 1),
        );
        slot.retryAtMs = this.now() + backoff;
        this.emit({
          service,
          pid,
          kind: onStart ? 'crashed-on-start' : 'crashed',
          detail: `${reason}; retry in ${(backoff / 1000).toFixed(1)} s`,
        });
      }
      resolveExit();
    });
  }

  private onLogLine(slot: ServiceSlot, task: Task, line: string): void {
    let entry: { state?: unknown; processed?: unknown; partitions?: unknown };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      return; // not one of the consumer's structured lines
    }
    if (typeof entry.processed === 'number') task.processed = entry.processed;
    if (Array.isArray(entry.partitions)) task.partitions = entry.partitions.filter((p) => typeof p === 'string');
    if (task.state === 'pending' && typeof entry.state === 'string' && memberStates.has(entry.state)) {
      task.state = 'running';
      task.readyAtMs = this.now();
      slot.consecutiveFailures = 0;
      slot.retryAtMs = undefined;
      this.emit({
        service: slot.definition.ref.service,
        pid: task.pid,
        kind: 'ready',
        detail: `joined in ${((task.readyAtMs - task.startedAtMs) / 1000).toFixed(1)} s`,
      });
    }
  }

  private terminate(slot: ServiceSlot, task: Task): void {
    if (task.state === 'stopping') return;
    task.state = 'stopping';
    this.emit({ service: slot.definition.ref.service, pid: task.pid, kind: 'stopping', detail: 'SIGTERM' });
    signalGroup(task, 'SIGTERM');
    const killer = setTimeout(() => signalGroup(task, 'SIGKILL'), this.options.stopTimeoutMs ?? 30_000);
    void task.exited.then(() => clearTimeout(killer));
  }
}

function lastLine(text: string): string {
  const line = text.trim().split('\n').pop()?.trim();
  return line ? ` (${line.slice(0, 240)})` : '';
}

/** Signals the task's whole process group; a group that is already gone is not an error. */
function signalGroup(task: Task, signal: NodeJS.Signals): void {
  if (task.pid === undefined) return;
  try {
    process.kill(-task.pid, signal);
  } catch {
    // Already exited.
  }
}
