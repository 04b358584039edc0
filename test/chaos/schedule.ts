/**
 * The fault schedule of a chaos run, drawn from a seed (pure: the same options give the same schedule). Faults hit
 * machine *slots*: a machine killed and replaced keeps its slot, so a schedule never names a machine that does not
 * exist yet. The planner keeps the cluster able to recover, as an operator's bad day would: at most half the
 * machines impaired at once, one fault per machine at a time, one etcd member down at a time (the other two keep
 * quorum), one leader freeze at a time. Durations straddle the presence TTL on purpose: a short partition is a
 * blip, a long one a machine loss (docs/agent.md, "Machine cut off").
 */
import { createPrng, type Prng } from './prng.js';
import { burstUnitName } from './units.js';

export const FAULT_KINDS = [
  'kill-agent', 'restart-agent', 'stop-agent', 'kill-machine', 'partition',
  'lossy-link', 'slow-link', 'etcd-member', 'freeze-leader', 'cli-burst', 'restart-dockerd',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export type BurstOp = { op: 'start' | 'submit' | 'destroy'; unit: string };

export interface FaultEvent {
  /** 1-based, in order. */
  index: number;
  /** Planned pause after the previous event started (the runner waits longer while its targets are still busy). */
  gapMs: number;
  kind: FaultKind;
  /** Machine slots hit (0-based); empty for etcd, the CLI and the leader freeze (whose machine is found at run time). */
  slots: number[];
  /** etcd member (0-based) for `etcd-member`. */
  member?: number;
  /** How long the fault lasts before it is undone; 0 for one-shot faults. */
  durationMs: number;
  /** `lossy-link`: share of packets dropped each way between the machine and etcd. */
  lossPercent?: number;
  /** `slow-link`: the machine's link rate (kbit/s). */
  rateKbit?: number;
  /** `cli-burst`: CLI commands, run one after the other. */
  burst?: BurstOp[];
}

export interface FaultSchedule {
  seed: number;
  events: FaultEvent[];
  /** Event indices after which the run waits for every fault to be undone and checks a settled cluster. */
  quietAfter: number[];
  /** Every unit a burst touches, in first-use order. */
  burstUnits: string[];
}

export interface ScheduleOptions {
  seed: number;
  events: number;
  machines: number;
  /** Presence TTL (s): bounds the leader freeze and scales partitions. */
  ttlSec: number;
  /** The scheduler's election TTL (s, the daemon's default is 2). */
  electionTtlSec: number;
  /** A quiet point after every this many events (0: none before the end). */
  quietEvery: number;
  /** Slots whose machines run a dockerd, the only targets of `restart-dockerd` (none: no such fault). */
  engineSlots?: readonly number[];
  weights?: Partial<Record<FaultKind, number>>;
}

export const DEFAULT_WEIGHTS: Readonly<Record<FaultKind, number>> = {
  'kill-agent': 12, 'restart-agent': 10, 'stop-agent': 8, 'kill-machine': 5, partition: 14,
  'lossy-link': 8, 'slow-link': 6, 'etcd-member': 10, 'freeze-leader': 10, 'cli-burst': 17, 'restart-dockerd': 6,
};

const GAP_MS: [number, number] = [1000, 4000];
/** How long a machine stays off-limits after its fault is undone: the agent or the machine coming back. */
const RECOVERY_MS: Partial<Record<FaultKind, number>> = { 'kill-agent': 5000, 'restart-agent': 5000, 'kill-machine': 20_000, 'restart-dockerd': 5000 };
const DEFAULT_RECOVERY_MS = 2000;
/** Burst units launched at once, at most (each is one more `sleep` somewhere). */
const MAX_LAUNCHED_BURST = 6;
/** Share of partitions that cut two machines off at once (each from the bridge and from each other). */
const TWO_MACHINE_PARTITIONS = 0.35;
/** Releases a delayed event may wait through (each frees a slot, etcd or the freeze). */
const MAX_ADVANCES = 64;

export function planFaults(opts: ScheduleOptions): FaultSchedule {
  if (opts.machines < 2) throw new RangeError('a chaos run needs at least 2 machines');
  const prng = createPrng(opts.seed);
  const durations = durationRanges(opts.ttlSec, opts.electionTtlSec);
  const engineSlots = opts.engineSlots ?? [];
  // A zero weight is never drawn and leaves the draws of the other kinds as they were (prng.weighted).
  const weights = { ...DEFAULT_WEIGHTS, ...opts.weights, ...(engineSlots.length === 0 ? { 'restart-dockerd': 0 } : {}) };
  const state = new PlannerState(opts.machines, engineSlots);
  const events: FaultEvent[] = [];
  const quietAfter: number[] = [];
  for (let index = 1; index <= opts.events; index++) {
    const gapMs = prng.int(...GAP_MS);
    state.now += gapMs;
    const { drawn, delayMs } = drawFault(prng, state, weights, durations);
    events.push({ index, gapMs: gapMs + delayMs, ...drawn });
    if (opts.quietEvery > 0 && index % opts.quietEvery === 0 && index < opts.events) {
      quietAfter.push(index);
      state.quiet();
    }
  }
  return { seed: opts.seed, events, quietAfter, burstUnits: state.burst.used };
}

/** [min, max] ms each lasting fault is held. */
export function durationRanges(ttlSec: number, electionTtlSec: number): Partial<Record<FaultKind, [number, number]>> {
  // The leader must stay frozen past its election lease, and thaw before its presence lease can expire: etcd
  // expires it TTL after the last renewal, renewals come every TTL/3 (docs/registry.md, "Timeouts and failures"),
  // and half the TTL leaves room for a loaded box.
  const freeze: [number, number] = [electionTtlSec * 1000 + 1000, Math.floor((ttlSec * 1000) / 2)];
  if (freeze[0] > freeze[1]) throw new RangeError(`presence TTL ${ttlSec} s is too short to freeze a leader past its ${electionTtlSec} s election TTL`);
  return {
    'stop-agent': [4000, 15_000],
    partition: [2000, Math.round(ttlSec * 2500)],
    'lossy-link': [4000, 15_000],
    'slow-link': [4000, 15_000],
    'etcd-member': [2000, 12_000],
    'freeze-leader': freeze,
  };
}

type Drawn = Omit<FaultEvent, 'index' | 'gapMs'>;

/**
 * A fault of the kind the weights pick. When its targets are busy the event waits for them (planned time moves on
 * to the next release) rather than turning into another kind: the mix of faults stays the one the weights say.
 */
function drawFault(prng: Prng, state: PlannerState, weights: Record<FaultKind, number>, durations: ReturnType<typeof durationRanges>): { drawn: Drawn; delayMs: number } {
  const kind = prng.weighted(weights);
  const range = durations[kind];
  const durationMs = range ? prng.int(...range) : 0;
  // Never more machines than may be impaired at once (one, on three machines), or the event could never be placed.
  const machines = kind === 'partition' && prng.chance(TWO_MACHINE_PARTITIONS) ? Math.min(2, state.maxImpaired) : 1;
  const from = state.now;
  for (let attempt = 0; attempt < MAX_ADVANCES; attempt++) {
    const drawn = placeFault(prng, state, kind, durationMs, machines);
    if (drawn) return { drawn, delayMs: state.now - from };
    if (!state.advance()) break;
  }
  throw new Error(`planner: no room for ${kind} at ${state.now} ms even with nothing busy`);
}

/** The fault with its targets, or undefined when its targets are all busy at the planned time. */
function placeFault(prng: Prng, state: PlannerState, kind: FaultKind, durationMs: number, machines: number): Drawn | undefined {
  const until = state.now + durationMs + (RECOVERY_MS[kind] ?? DEFAULT_RECOVERY_MS);
  switch (kind) {
    case 'cli-burst':
      return { kind, slots: [], durationMs, burst: planBurst(prng, state.burst) };
    case 'etcd-member':
      if (state.etcdBusyUntil > state.now) return undefined;
      state.etcdBusyUntil = until;
      return { kind, slots: [], durationMs, member: prng.int(0, 2) };
    case 'freeze-leader':
      if (state.freezeBusyUntil > state.now || state.impaired() >= state.maxImpaired) return undefined;
      state.freezeBusyUntil = until;
      return { kind, slots: [], durationMs };
    default: {
      const slots = state.takeSlots(prng, machines, until, kind === 'restart-dockerd' ? state.engineSlots : undefined);
      if (!slots) return undefined;
      const extra = kind === 'lossy-link' ? { lossPercent: prng.int(10, 40) } : kind === 'slow-link' ? { rateKbit: prng.pick([16, 32, 64]) } : {};
      return { kind, slots, durationMs, ...extra };
    }
  }
}

class PlannerState {
  now = 0;
  etcdBusyUntil = 0;
  freezeBusyUntil = 0;
  readonly slotBusyUntil: number[];
  readonly maxImpaired: number;
  readonly burst = new BurstPool();

  constructor(machines: number, readonly engineSlots: readonly number[]) {
    this.slotBusyUntil = Array.from({ length: machines }, () => 0);
    this.maxImpaired = Math.max(1, Math.floor(machines / 2));
  }

  impaired(): number {
    return this.slotBusyUntil.filter((t) => t > this.now).length + (this.freezeBusyUntil > this.now ? 1 : 0);
  }

  /** `count` free slots (of `among`, if given), marked busy until `until`; undefined if that would impair too many machines. */
  takeSlots(prng: Prng, count: number, until: number, among?: readonly number[]): number[] | undefined {
    const free = this.slotBusyUntil.flatMap((t, slot) => (t <= this.now && (!among || among.includes(slot)) ? [slot] : []));
    if (free.length < count || this.impaired() + count > this.maxImpaired) return undefined;
    const slots: number[] = [];
    for (let i = 0; i < count; i++) slots.push(free.splice(prng.int(0, free.length - 1), 1)[0]!);
    for (const slot of slots) this.slotBusyUntil[slot] = until;
    return slots.sort((a, b) => a - b);
  }

  /** Moves planned time to the next release of anything busy; false when nothing is. */
  advance(): boolean {
    const next = Math.min(...[...this.slotBusyUntil, this.etcdBusyUntil, this.freezeBusyUntil].filter((t) => t > this.now));
    if (!Number.isFinite(next)) return false;
    this.now = next;
    return true;
  }

  /** A quiet point: the runner waits until every fault is undone, so nothing is busy after it. */
  quiet(): void {
    this.slotBusyUntil.fill(0);
    this.etcdBusyUntil = 0;
    this.freezeBusyUntil = 0;
  }
}

class BurstPool {
  private next = 1;
  readonly used: string[] = [];
  readonly submitted: string[] = [];
  readonly launched: string[] = [];

  fresh(): string {
    const unit = burstUnitName(this.next++);
    this.used.push(unit);
    return unit;
  }
}

/** 2–4 CLI commands: launch a new unit, submit one, launch a submitted one, destroy one. */
function planBurst(prng: Prng, pool: BurstPool): BurstOp[] {
  const ops: BurstOp[] = [];
  const count = prng.int(2, 4);
  for (let i = 0; i < count; i++) {
    const room = pool.launched.length < MAX_LAUNCHED_BURST;
    const choice = prng.weighted({
      'start-new': room ? 3 : 0,
      'submit-new': 1,
      'start-submitted': room && pool.submitted.length > 0 ? 2 : 0,
      destroy: pool.launched.length + pool.submitted.length > 0 ? 3 : 0,
    });
    if (choice === 'start-new') ops.push({ op: 'start', unit: moveTo(pool.launched, pool.fresh()) });
    if (choice === 'submit-new') ops.push({ op: 'submit', unit: moveTo(pool.submitted, pool.fresh()) });
    if (choice === 'start-submitted') ops.push({ op: 'start', unit: moveTo(pool.launched, takeOne(prng, pool.submitted)) });
    if (choice === 'destroy') ops.push({ op: 'destroy', unit: takeOne(prng, [...pool.launched, ...pool.submitted], pool) });
  }
  return ops;
}

function moveTo(list: string[], unit: string): string {
  list.push(unit);
  return unit;
}

/** Removes a random unit from `from` (and, when given, from the pool's lists) and returns it. */
function takeOne(prng: Prng, from: string[], pool?: BurstPool): string {
  const unit = from.splice(prng.int(0, from.length - 1), 1)[0]!;
  if (pool) for (const list of [pool.launched, pool.submitted]) if (list.includes(unit)) list.splice(list.indexOf(unit), 1);
  return unit;
}
