/**
 * Asks every machine's systemd, round after round, where a set of units runs: the ground truth for "never on two
 * machines at once", "never two instances of one template down at once" and per-unit downtime, independent of
 * what Flotilla publishes in etcd. One `ListUnitsByNames` per machine per round over a D-Bus connection to that
 * machine's own systemd (kept open; a few ms even for 100 units), all machines in parallel; the gap between round
 * starts is recorded, so a test can show it sampled at least every `intervalMs`.
 */
import { SystemdManager } from '@flotilla/agent';
import { sleep, unitNameInfo } from '@flotilla/core';
import type { Machine } from '../harness/machines.js';

/** systemd states in which a unit's processes may run (a second copy in any of them overlaps). */
const RUNNING = new Set(['active', 'activating', 'deactivating', 'reloading']);

export interface DownSpan {
  unit: string;
  fromMs: number;
  toMs: number;
}

export interface SamplerOptions {
  /** Aimed-at pause between two rounds' starts, ms; default 150 (so rounds stay under 250 ms apart when a busy machine answers slowly). */
  intervalMs?: number;
  /** Deadline of one machine's answer (default 2 s); a machine that does not answer (killed) counts as running nothing. */
  execTimeoutMs?: number;
  /** Called with every round's whole view, as it is recorded (the chaos suite judges each round; test/chaos/). */
  onRound?: (round: SampledRound) => void;
}

/** One round: what every machine's systemd said, by unit. */
export interface SampledRound {
  /** When the round started (ms since the epoch). */
  at: number;
  /** unit → machines whose systemd runs it (any running state). */
  running: Map<string, string[]>;
  /** unit → machines whose systemd says it is active. */
  activeOn: Map<string, string[]>;
  /** Names of the machines that answered. */
  answered: string[];
}

/** The sampling period the checks promise: a unit on two machines for longer than this is seen. */
export const SLOW_GAP_MS = 250;

/**
 * Whether the sampler kept its period well enough to judge a run: at most 5% of the gaps over SLOW_GAP_MS (in a run
 * of SHORT_RUN_ROUNDS or more) and none
 * over a second. A 2-core box running other tests delays single rounds by a few hundred ms (seen: 739 ms once in
 * a full `npm test`); stop-before-start is also proven to the microsecond from systemd's journals, which no load
 * can blur (test/support/unit-journal.ts).
 */
export function sampledOftenEnough(sampler: Pick<SystemdSampler, 'rounds' | 'slowGaps' | 'maxGapMs'>): boolean {
  // A short run gives no rate: a drain now takes ~2 s, 12 rounds, and two rounds late by ~150 ms on a busy box
  // were "17%". Under SHORT_RUN_ROUNDS only the longest gap is judged.
  const rateOk = sampler.rounds < SHORT_RUN_ROUNDS || sampler.slowGaps <= Math.max(1, sampler.rounds * 0.05);
  return rateOk && sampler.maxGapMs <= 1000;
}

/** Fewer rounds than this make no rate of slow gaps (see sampledOftenEnough). */
const SHORT_RUN_ROUNDS = 40;

export class SystemdSampler {
  /** `unit on m1, m2 at <time>` for every round that saw a unit running on two machines. */
  readonly twice: string[] = [];
  /** Spans in which a unit was active nowhere (closed ones; `stop()` closes the open ones). */
  readonly down: DownSpan[] = [];
  /** template → most instances seen not active at once (instances sampled only). */
  readonly templateDown = new Map<string, number>();
  rounds = 0;
  /** Longest gap between two consecutive rounds' starts, ms. */
  maxGapMs = 0;
  /** Gaps between consecutive rounds' starts longer than SLOW_GAP_MS: a loaded box delays a round now and then. */
  slowGaps = 0;
  private readonly downSince = new Map<string, number>();
  private lastStart: number | undefined;
  private stopped = false;
  private readonly done: Promise<void>;
  private readonly intervalMs: number;
  private readonly buses = new Map<Machine, Promise<SystemdManager>>();

  constructor(
    private machines: readonly Machine[],
    private readonly units: readonly string[],
    private readonly opts: SamplerOptions = {},
  ) {
    this.intervalMs = opts.intervalMs ?? 150;
    this.done = this.loop();
  }

  /** Machines added to the cluster later are sampled from the next round on. */
  setMachines(machines: readonly Machine[]): void {
    this.machines = machines;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.done;
    for (const bus of this.buses.values()) bus.then((m) => m.close(), () => undefined);
    this.buses.clear();
    const now = Date.now();
    for (const [unit, since] of this.downSince) this.down.push({ unit, fromMs: since, toMs: now });
    this.downSince.clear();
  }

  /**
   * unit → names of the machines whose systemd runs it (any running state) now, and the units active somewhere;
   * also where each is active and which machines answered.
   */
  async sample(): Promise<{ running: Map<string, string[]>; active: Set<string>; activeOn: Map<string, string[]>; answered: string[] }> {
    const running = new Map<string, string[]>();
    const active = new Set<string>();
    const activeOn = new Map<string, string[]>();
    const answered: string[] = [];
    await Promise.all(
      this.machines.map(async (m) => {
        const states = await this.statesOn(m);
        if (states === undefined) return;
        answered.push(m.name);
        for (const [unit, state] of states) {
          if (RUNNING.has(state.activeState)) running.set(unit, [...(running.get(unit) ?? []), m.name]);
          if (state.activeState === 'active') {
            active.add(unit);
            activeOn.set(unit, [...(activeOn.get(unit) ?? []), m.name]);
          }
        }
      }),
    );
    return { running, active, activeOn, answered };
  }

  /** One machine's answer; undefined when it has none (killed, or no answer within the deadline). */
  private async statesOn(m: Machine) {
    let bus = this.buses.get(m);
    if (bus === undefined) {
      bus = SystemdManager.connect({ busAddress: m.busAddress, callTimeoutMs: this.opts.execTimeoutMs ?? 2000 });
      bus.catch(() => undefined);
      this.buses.set(m, bus);
    }
    try {
      return await (await bus).unitStates(this.units);
    } catch {
      this.buses.delete(m); // connect again next round (a machine that is gone keeps failing: runs nothing)
      bus.then((c) => c.close(), () => undefined);
      return undefined;
    }
  }

  /** Longest closed down span of `unit`, ms (0 if it never was down). */
  longestDownMs(unit: string): number {
    return Math.max(0, ...this.down.filter((d) => d.unit === unit).map((d) => d.toMs - d.fromMs));
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      const start = Date.now();
      if (this.lastStart !== undefined) {
        this.maxGapMs = Math.max(this.maxGapMs, start - this.lastStart);
        if (start - this.lastStart > SLOW_GAP_MS) this.slowGaps++;
      }
      this.lastStart = start;
      const { running, active, activeOn, answered } = await this.sample();
      this.rounds++;
      this.record(start, running, active);
      this.opts.onRound?.({ at: start, running, activeOn, answered });
      const wait = this.intervalMs - (Date.now() - start) - 20;
      if (wait > 0) await sleep(wait);
    }
  }

  private record(at: number, running: Map<string, string[]>, active: Set<string>): void {
    for (const [unit, names] of running) if (names.length > 1) this.twice.push(`${unit} on ${names.join(', ')} at ${new Date(at).toISOString()}`);
    const downByTemplate = new Map<string, number>();
    for (const unit of this.units) {
      const since = this.downSince.get(unit);
      if (active.has(unit)) {
        if (since !== undefined) this.down.push({ unit, fromMs: since, toMs: at });
        this.downSince.delete(unit);
        continue;
      }
      if (since === undefined && this.rounds > 1) this.downSince.set(unit, at);
      const template = unitNameInfo(unit).templateName;
      if (template !== undefined) downByTemplate.set(template, (downByTemplate.get(template) ?? 0) + 1);
    }
    for (const [template, count] of downByTemplate) this.templateDown.set(template, Math.max(count, this.templateDown.get(template) ?? 0));
  }
}
