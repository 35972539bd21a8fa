/**
 * Runs the consumer as real child processes (the ECS tasks of the tests and the benchmarks) and
 * reads back what they processed. Each process is the bundle the image ships (consumer/build.ts)
 * run by plain `node`, as in the image: no tsx wrapper between the signals and the consumer.
 * No vitest imports: the benchmarks use it too.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { cachedBundle } from '../../../consumer/build';

const repoRoot = resolve(import.meta.dirname, '../../..');
let bundle: Promise<string> | undefined;

/**
 * The consumer bundle's entry (built once per process, cached by content under node_modules/.cache),
 * or CONSUMER_BUNDLE when set: the benchmarks can run the same scenarios against another build
 * (an older commit's, for an A/B).
 */
export function consumerBundle(): Promise<string> {
  const other = process.env.CONSUMER_BUNDLE;
  bundle ??=
    other !== undefined && other !== ''
      ? Promise.resolve(resolve(other))
      : cachedBundle(join(repoRoot, 'node_modules/.cache/lag-consumer'));
  return bundle;
}

/** Polls `probe` every `intervalMs` until it returns a value; throws naming `what` after `timeoutMs`. */
export async function waitUntil<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  options: { readonly timeoutMs: number; readonly intervalMs?: number },
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${what}`);
    await sleep(options.intervalMs ?? 200);
  }
}

/** A short random suffix for topic and group names. */
export const randomSuffix = (): string => Math.random().toString(36).slice(2, 8);

/** A seeded pseudo-random generator (mulberry32), so a chaos schedule can be replayed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The unique id of input record `index`. */
export const recordId = (index: number): string => `id-${String(index).padStart(6, '0')}`;

/** A kafkajs client for arranging and checking scenarios (the consumer has its own). */
export function scenarioKafka(brokers: string): Kafka {
  return new Kafka({ brokers: [brokers], clientId: 'consumer-tests', logLevel: logLevel.NOTHING });
}

/** Creates `topic` and produces `count` records with unique keys (recordId) round-robin over the partitions. */
export async function produceIds(kafka: Kafka, topic: string, partitions: number, count: number): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
  const producer = kafka.producer();
  await producer.connect();
  try {
    for (let start = 0; start < count; start += 1000) {
      const end = Math.min(count, start + 1000);
      await producer.send({
        topic,
        messages: Array.from({ length: end - start }, (_, i) => ({
          partition: (start + i) % partitions,
          key: recordId(start + i),
          value: JSON.stringify({ checkout: recordId(start + i) }),
        })),
      });
    }
  } finally {
    await producer.disconnect();
  }
}

/** True when the group's committed offsets reached the end of every partition of `topic`. */
export async function groupCaughtUp(admin: Admin, group: string, topic: string): Promise<boolean> {
  const ends = await admin.fetchTopicOffsets(topic);
  const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
  const byPartition = new Map((committed?.partitions ?? []).map(({ partition, offset }) => [partition, offset]));
  return ends.every(({ partition, high }) => byPartition.get(partition) === high);
}

/** One consumer process. */
export interface Member {
  readonly name: string;
  readonly slot: number;
  readonly child: ChildProcess;
  readonly idsFile: string;
  readonly logFile: string;
  /** `Date.now()` when it was spawned. */
  readonly spawnedAt: number;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  alive: boolean;
}

/** The structured log lines a member wrote (JSON lines; anything else is skipped). */
export function logLines(member: Member): Record<string, unknown>[] {
  if (!existsSync(member.logFile)) return [];
  return readFileSync(member.logFile, 'utf8')
    .split('\n')
    .flatMap((line) => {
      if (!line.startsWith('{')) return [];
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
}

/** Resolves when the member installed its signal handlers (its first log line); the `Date.now()` of that moment. */
export async function handlersInstalled(member: Member, timeoutMs = 30_000): Promise<number> {
  return await waitUntil(
    `${member.name} to install its signal handlers`,
    () => {
      if (!member.alive) throw new Error(`${member.name} exited before installing its signal handlers`);
      return existsSync(member.logFile) && readFileSync(member.logFile, 'utf8').includes('signal handlers installed')
        ? Date.now()
        : undefined;
    },
    { timeoutMs, intervalMs: 2 },
  );
}

/** Starts, kills and stops consumer processes of one group. */
export class ConsumerFleet {
  readonly members: Member[] = [];
  private started = 0;

  constructor(
    private readonly dir: string,
    private readonly args: (slot: number) => readonly string[],
    /** The bundle's main.mjs ({@link consumerBundle}). */
    private readonly entry: string,
  ) {}

  live(): Member[] {
    return this.members.filter((member) => member.alive);
  }

  /** Starts a consumer in `slot` (`node` running the bundle, in its own process group). */
  start(slot: number): Member {
    const name = `member-${this.started++}`;
    const idsFile = join(this.dir, `${name}.ids`);
    const logFile = join(this.dir, `${name}.log`);
    const out = openSync(logFile, 'a');
    const child = spawn(process.execPath, [this.entry, ...this.args(slot), '--processed-ids-file', idsFile], {
      cwd: repoRoot,
      detached: true,
      stdio: ['ignore', out, out],
    });
    closeSync(out);
    const member: Member = {
      name,
      slot,
      child,
      idsFile,
      logFile,
      spawnedAt: Date.now(),
      alive: true,
      exited: new Promise((resolveExit) =>
        child.once('exit', (code, signal) => {
          member.alive = false;
          resolveExit({ code, signal });
        }),
      ),
    };
    this.members.push(member);
    return member;
  }

  /** A free slot (no live member uses it), lowest first. */
  freeSlot(slots: number): number | undefined {
    const used = new Set(this.live().map((member) => member.slot));
    return Array.from({ length: slots }, (_, slot) => slot).find((slot) => !used.has(slot));
  }

  /** SIGKILL: the task dies at once, whatever it was doing. */
  async kill(member: Member): Promise<void> {
    signalGroup(member, 'SIGKILL');
    await member.exited;
  }

  /** SIGTERM (what ECS sends): the consumer shuts down gracefully. `signal` is null unless the signal killed it. */
  async terminate(
    member: Member,
    timeoutMs = 30_000,
  ): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }> {
    const begun = Date.now();
    member.child.kill('SIGTERM');
    return { ...(await this.awaitExit(member, timeoutMs)), ms: Date.now() - begun };
  }

  /** Waits for the member to exit; SIGKILLs it after `timeoutMs` (then `code` and `signal` say so). */
  async awaitExit(member: Member, timeoutMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    const outcome = await Promise.race([member.exited, sleep(timeoutMs).then(() => undefined)]);
    if (outcome !== undefined) return outcome;
    signalGroup(member, 'SIGKILL');
    await member.exited;
    return { code: null, signal: 'SIGKILL' };
  }

  /** SIGSTOP: the task freezes (a long GC pause, a starved container) until {@link resume}; its heartbeats stop. */
  freeze(member: Member): void {
    signalGroup(member, 'SIGSTOP');
  }

  /** SIGCONT: a frozen task carries on where it stopped, unaware of what happened meanwhile. */
  resume(member: Member): void {
    signalGroup(member, 'SIGCONT');
  }

  /**
   * Picks a live member that processed something in the last `windowMs` (so a kill lands mid-work),
   * waiting up to `maxWaitMs` for one (a member that just joined needs a few seconds to start).
   */
  async busyMember(
    random: () => number,
    windowMs = 400,
    maxWaitMs = 6000,
  ): Promise<{ member: Member; busy: boolean } | undefined> {
    const deadline = Date.now() + maxWaitMs;
    for (;;) {
      const before = new Map(this.live().map((member) => [member.name, idsFileSize(member)]));
      await sleep(windowMs);
      const busy = this.live().filter((member) => idsFileSize(member) > (before.get(member.name) ?? 0));
      if (busy.length > 0 || Date.now() > deadline) {
        const pool = busy.length > 0 ? busy : this.live();
        const member = pool[Math.floor(random() * pool.length)];
        return member === undefined ? undefined : { member, busy: busy.length > 0 };
      }
    }
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.live().map((member) => this.terminate(member)));
  }

  /** For afterEach/afterAll: SIGKILL whatever still runs (a frozen one too). */
  async destroy(): Promise<void> {
    const live = this.live();
    for (const member of live) signalGroup(member, 'SIGKILL');
    await Promise.all(live.map((member) => member.exited));
  }

  /** Every processed id of every member, in file order. */
  processedIds(): string[] {
    return this.members.flatMap((member) => processedRecords(member).map(({ id }) => id));
  }
}

/** What a member processed (its processed-ids file: `key partition offset` per line), from byte `from` on. */
export function processedRecords(
  member: Member,
  from = 0,
): { readonly id: string; readonly partition: number; readonly offset: number }[] {
  if (!existsSync(member.idsFile)) return [];
  return readFileSync(member.idsFile)
    .subarray(from)
    .toString('utf8')
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => {
      const [id = '', partition = '-1', offset = '-1'] = line.split(' ');
      return { id, partition: Number(partition), offset: Number(offset) };
    });
}

export function idsFileSize(member: Member): number {
  return existsSync(member.idsFile) ? statSync(member.idsFile).size : 0;
}

function signalGroup(member: Member, signal: NodeJS.Signals): void {
  const { pid } = member.child;
  if (pid === undefined || !member.alive) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

/** How often each of `expected` ids was processed: missing ids, and duplicates (extra deliveries). */
export function tally(
  expected: number,
  processed: readonly string[],
): { missing: string[]; duplicates: number; unexpected: string[] } {
  const counts = new Map<string, number>();
  for (const id of processed) counts.set(id, (counts.get(id) ?? 0) + 1);
  const missing: string[] = [];
  let duplicates = 0;
  for (let index = 0; index < expected; index += 1) {
    const count = counts.get(recordId(index)) ?? 0;
    if (count === 0) missing.push(recordId(index));
    else duplicates += count - 1;
    counts.delete(recordId(index));
  }
  return { missing, duplicates, unexpected: [...counts.keys()] };
}

/** One disruption of a chaos run. */
export type ChaosAction = 'kill' | 'stall' | 'leave' | 'join';

/** What one chaos run did. */
export interface ChaosReport {
  readonly kills: number;
  /** SIGKILLs that hit a member while it was processing records. */
  readonly killsMidWork: number;
  readonly stalls: number;
  /**
   * Stalls that lasted until another member processed the frozen member's partition: the frozen
   * one was expelled mid-work and resumed as a zombie (the race exactly-once must survive).
   */
  readonly takeovers: number;
  readonly leaves: number;
  readonly joins: number;
  readonly schedule: readonly string[];
}

/** Options of a chaos run. */
export interface ChaosOptions {
  readonly seed: number;
  /** The actions, shuffled by the seed: SIGKILL a busy member, SIGSTOP one until it is replaced, SIGTERM one, start one. */
  readonly actions: readonly ChaosAction[];
  readonly pauseMs: readonly [number, number];
  readonly slots: number;
  /**
   * Longest a member stays frozen when nobody takes its partition over (default 60 s: under CPU
   * pressure on a loaded machine a takeover once took longer than 30 s, and the run then lacked the
   * race it exists for).
   */
  readonly maxStallMs?: number;
}

type MutableReport = { -readonly [K in keyof ChaosReport]: ChaosReport[K] } & { schedule: string[] };

function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const result = [...items];
  for (let i = result.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    const [a, b] = [result[i], result[j]];
    if (a === undefined || b === undefined) continue;
    [result[i], result[j]] = [b, a];
  }
  return result;
}

/**
 * Freezes a busy member (SIGSTOP) until another member processed a record of the partition it was
 * working on (it was expelled after the session timeout and its partition reassigned), then lets it
 * carry on (SIGCONT) as a zombie that still believes it owns the partition.
 */
async function stallBusyMember(
  fleet: ConsumerFleet,
  random: () => number,
  options: ChaosOptions,
): Promise<{ victim: Member; partition: number; takenOver: boolean; ms: number } | undefined> {
  // Someone must be there to take the partition over.
  if (fleet.live().length < 2) fleet.start(fleet.freeSlot(options.slots) ?? 0);
  const picked = await fleet.busyMember(random);
  const partition = picked === undefined ? undefined : processedRecords(picked.member).at(-1)?.partition;
  if (picked === undefined || partition === undefined) return undefined;
  const victim = picked.member;
  const others = fleet.live().filter((member) => member !== victim);
  const sizes = new Map(others.map((member) => [member.name, idsFileSize(member)]));
  const begun = Date.now();
  fleet.freeze(victim);
  const takenOver = await waitUntil(
    `a member to take partition ${partition} over from frozen ${victim.name}`,
    () =>
      fleet
        .live()
        .filter((member) => member !== victim)
        .some((member) =>
          processedRecords(member, sizes.get(member.name) ?? 0).some((record) => record.partition === partition),
        )
        ? true
        : undefined,
    { timeoutMs: options.maxStallMs ?? 60_000, intervalMs: 100 },
  ).catch(() => false);
  fleet.resume(victim);
  return { victim, partition, takenOver, ms: Date.now() - begun };
}

async function chaosStep(
  fleet: ConsumerFleet,
  action: ChaosAction,
  random: () => number,
  options: ChaosOptions,
  report: MutableReport,
): Promise<void> {
  const slot = fleet.freeSlot(options.slots);
  if (action === 'join' || fleet.live().length === 0) {
    if (slot === undefined) return;
    report.joins += 1;
    report.schedule.push(`join ${fleet.start(slot).name}`);
    return;
  }
  if (action === 'stall') {
    const stall = await stallBusyMember(fleet, random, options);
    if (stall === undefined) return;
    report.stalls += 1;
    if (stall.takenOver) report.takeovers += 1;
    report.schedule.push(
      `SIGSTOP ${stall.victim.name} ${(stall.ms / 1000).toFixed(1)} s (partition ${stall.partition} ` +
        `${stall.takenOver ? 'taken over' : 'NOT taken over'}), SIGCONT`,
    );
    return;
  }
  const picked = await fleet.busyMember(random);
  if (picked === undefined) return;
  const victim = picked.member;
  if (action === 'kill') {
    await fleet.kill(victim);
    report.kills += 1;
    if (picked.busy) report.killsMidWork += 1;
    report.schedule.push(`SIGKILL ${victim.name}${picked.busy ? ' (mid-work)' : ' (idle)'}`);
  } else {
    await fleet.terminate(victim);
    report.leaves += 1;
    report.schedule.push(`SIGTERM ${victim.name}`);
  }
}

/**
 * Random (seeded) chaos while the group consumes: members are SIGKILLed mid-work, frozen until
 * expelled and then resumed, leave, and join, each change a real rebalance. A member is kept
 * alive after every step, as ECS replaces tasks that died.
 */
export async function runChaos(fleet: ConsumerFleet, options: ChaosOptions): Promise<ChaosReport> {
  const random = seededRandom(options.seed);
  const report: MutableReport = {
    kills: 0,
    killsMidWork: 0,
    stalls: 0,
    takeovers: 0,
    leaves: 0,
    joins: 0,
    schedule: [],
  };
  for (const action of shuffled(options.actions, random)) {
    const [min, max] = options.pauseMs;
    await sleep(min + random() * (max - min));
    await chaosStep(fleet, action, random, options, report);
    if (fleet.live().length === 0) {
      report.joins += 1;
      report.schedule.push(`join ${fleet.start(fleet.freeSlot(options.slots) ?? 0).name}`);
    }
  }
  return report;
}
