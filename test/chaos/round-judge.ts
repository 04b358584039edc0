/**
 * Judges every sampling round of every machine's systemd as it comes (pure: times come from the rounds, windows
 * and intents from the run's own records):
 * - a unit running (active, activating, deactivating, reloading) on two machines at once is a double run; it is
 *   tolerated, counted apart, when at most one of those machines is outside its cut-off window, except for a
 *   `StopOnLeaseLoss=true` unit, which is never tolerated (docs/agent.md, "Never run twice");
 * - a unit running where the run never launched it, or past the grace after its destroy, on a machine outside
 *   its cut-off window, is a leftover.
 * Consecutive rounds showing the same thing make one episode, so a count is of incidents, not of samples.
 */
import { insideWindow, mayRun, type CutoffWindow, type Intent } from './allowances.js';

export interface SampleRound {
  /** When the round started (ms since the epoch). */
  at: number;
  /** unit → machines whose systemd runs it. */
  running: ReadonlyMap<string, readonly string[]>;
}

export interface DoubleRun {
  unit: string;
  /** Every machine that ran it during the episode. */
  machines: string[];
  fromMs: number;
  toMs: number;
  rounds: number;
  strict: boolean;
  /** A round of it ran on two machines outside their cut-off windows (or the unit is strict). */
  violation: boolean;
  /** The first round that made it a violation: `m1, m2 (cut off: m1)`. */
  evidence?: string;
  /** For a tolerated one, what cut its machine off first: `m1 (partition)`. */
  excuse?: string;
}

export interface Leftover {
  unit: string;
  machine: string;
  fromMs: number;
  toMs: number;
  rounds: number;
}

export interface JudgeRules {
  strictUnits: ReadonlySet<string>;
  /** Global units: meant to run on many machines at once, never a double run (settled.ts checks where). */
  globalUnits: ReadonlySet<string>;
  /** How long a destroyed unit may still run (its agent's stop). */
  graceMs: number;
  windows: () => readonly CutoffWindow[];
  intents: () => readonly Intent[];
}

export class RoundJudge {
  readonly doubleRuns: DoubleRun[] = [];
  readonly leftovers: Leftover[] = [];
  private readonly openDouble = new Map<string, DoubleRun>();
  private readonly openLeftover = new Map<string, Leftover>();

  constructor(private readonly rules: JudgeRules) {}

  observe(round: SampleRound): void {
    const windows = this.rules.windows();
    const intents = this.rules.intents();
    const seenDouble = new Set<string>();
    const seenLeftover = new Set<string>();
    for (const [unit, machines] of round.running) {
      if (machines.length > 1 && !this.rules.globalUnits.has(unit)) {
        seenDouble.add(unit);
        this.double(round.at, unit, machines, windows);
      }
      if (mayRun(intents, unit, round.at, this.rules.graceMs)) continue;
      for (const machine of machines) {
        if (insideWindow(windows, machine, round.at)) continue;
        const key = `${unit} on ${machine}`;
        seenLeftover.add(key);
        const open = this.openLeftover.get(key) ?? this.opened(this.openLeftover, key, { unit, machine, fromMs: round.at, toMs: round.at, rounds: 0 });
        open.toMs = round.at;
        open.rounds++;
      }
    }
    this.close(this.openDouble, seenDouble, this.doubleRuns);
    this.close(this.openLeftover, seenLeftover, this.leftovers);
  }

  /** Closes every open episode (end of the run). */
  finish(): void {
    this.close(this.openDouble, new Set(), this.doubleRuns);
    this.close(this.openLeftover, new Set(), this.leftovers);
  }

  get violations(): DoubleRun[] {
    return this.doubleRuns.filter((d) => d.violation);
  }

  get tolerated(): DoubleRun[] {
    return this.doubleRuns.filter((d) => !d.violation);
  }

  private double(at: number, unit: string, machines: readonly string[], windows: readonly CutoffWindow[]): void {
    const strict = this.rules.strictUnits.has(unit);
    const open = this.openDouble.get(unit) ?? this.opened(this.openDouble, unit, { unit, machines: [], fromMs: at, toMs: at, rounds: 0, strict, violation: false });
    open.toMs = at;
    open.rounds++;
    for (const m of machines) if (!open.machines.includes(m)) open.machines.push(m);
    const cutOff = machines.filter((m) => insideWindow(windows, m, at));
    if (open.violation) return;
    if (!strict && machines.length - cutOff.length <= 1) {
      open.excuse ??= cutOff.map((m) => `${m} (${windows.filter((w) => w.machine === m && w.fromMs <= at && at < w.toMs).map((w) => w.cause).join(', ')})`).join(', ');
      return;
    }
    open.violation = true;
    open.evidence = `${machines.join(', ')} (cut off: ${cutOff.join(', ') || 'none'})`;
  }

  private opened<T>(open: Map<string, T>, key: string, episode: T): T {
    open.set(key, episode);
    return episode;
  }

  private close<T>(open: Map<string, T>, seen: ReadonlySet<string>, into: T[]): void {
    for (const [key, episode] of open) {
      if (seen.has(key)) continue;
      open.delete(key);
      into.push(episode);
    }
  }
}
