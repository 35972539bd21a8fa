/**
 * Runs consumer/main.ts as real child processes (the ECS tasks of the tests and the benchmark) and
 * reads back what they processed. No vitest imports: bench/consumer.ts uses it too.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel, type Admin } from 'kafkajs';

const repoRoot = resolve(import.meta.dirname, '../../..');
const tsx = join(repoRoot, 'node_modules/.bin/tsx');

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
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  alive: boolean;
}

/** Starts, kills and stops consumer processes of one group. */
export class ConsumerFleet {
  readonly members: Member[] = [];
  private started = 0;

  constructor(
    private readonly dir: string,
    private readonly args: (slot: number) => readonly string[],
  ) {}

  live(): Member[] {
    return this.members.filter((member) => member.alive);
  }

  /** Starts a consumer in `slot` (its own process group, so SIGKILL reaches tsx's child too). */
  start(slot: number): Member {
    const name = `member-${this.started++}`;
    const idsFile = join(this.dir, `${name}.ids`);
    const logFile = join(this.dir, `${name}.log`);
    const out = openSync(logFile, 'a');
    const child = spawn(tsx, ['consumer/main.ts', ...this.args(slot), '--processed-ids-file', idsFile], {
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

  /** SIGKILL: the task dies at once, whatever it was doing (both tsx and the node process it runs). */
  async kill(member: Member): Promise<void> {
    signalGroup(member, 'SIGKILL');
    await member.exited;
  }

  /** SIGTERM (what ECS sends): tsx relays it to the consumer, which shuts down gracefully. */
  async terminate(member: Member, timeoutMs = 30_000): Promise<{ code: number | null; ms: number }> {
    const begun = Date.now();
    member.child.kill('SIGTERM');
    const outcome = await Promise.race([member.exited, sleep(timeoutMs).then(() => undefined)]);
    if (outcome === undefined) {
      signalGroup(member, 'SIGKILL');
      await member.exited;
      return { code: null, ms: Date.now() - begun };
    }
    return { code: outcome.code, ms: Date.now() - begun };
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

  /** For afterEach/afterAll: SIGKILL whatever still runs. */
  async destroy(): Promise<void> {
    const live = this.live();
    for (const member of live) signalGroup(member, 'SIGKILL');
    await Promise.all(live.map((member) => member.exited));
  }

  /** Every processed id of every member, in file order. */
  processedIds(): string[] {
    return this.members.flatMap((member) =>
      existsSync(member.idsFile)
        ? readFileSync(member.idsFile, 'utf8')
            .split('\n')
            .filter((line) => line.length > 0)
            .map((line) => line.split(' ')[0] ?? '')
        : [],
    );
  }
}

function idsFileSize(member: Member): number {
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

/** What one chaos run did. */
export interface ChaosReport {
  readonly kills: number;
  /** SIGKILLs that hit a member while it was processing records. */
  readonly killsMidWork: number;
  readonly leaves: number;
  readonly joins: number;
  readonly schedule: readonly string[];
}

/** Options of a chaos run. */
export interface ChaosOptions {
  readonly seed: number;
  /** The actions, shuffled by the seed: SIGKILL a busy member, SIGTERM one, start one. */
  readonly actions: readonly ('kill' | 'leave' | 'join')[];
  readonly pauseMs: readonly [number, number];
  readonly slots: number;
}

/**
 * Random (seeded) chaos while the group consumes: members are SIGKILLed mid-work, leave, and join,
 * each change a real rebalance. At least one member is kept alive after every step.
 */
export async function runChaos(fleet: ConsumerFleet, options: ChaosOptions): Promise<ChaosReport> {
  const random = seededRandom(options.seed);
  const actions = [...options.actions];
  for (let i = actions.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [actions[i], actions[j]] = [actions[j] ?? 'join', actions[i] ?? 'join'];
  }
  const report = { kills: 0, killsMidWork: 0, leaves: 0, joins: 0, schedule: [] as string[] };
  for (const action of actions) {
    const [min, max] = options.pauseMs;
    await sleep(min + random() * (max - min));
    const slot = fleet.freeSlot(options.slots);
    if (action === 'join' || fleet.live().length === 0) {
      if (slot === undefined) continue;
      const member = fleet.start(slot);
      report.joins += 1;
      report.schedule.push(`join ${member.name}`);
      continue;
    }
    const picked = await fleet.busyMember(random);
    if (picked === undefined) continue;
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
    // Keep the group consuming: a task that died is replaced, as ECS would.
    if (fleet.live().length === 0) {
      const replacement = fleet.start(fleet.freeSlot(options.slots) ?? 0);
      report.joins += 1;
      report.schedule.push(`join ${replacement.name}`);
    }
  }
  return report;
}
