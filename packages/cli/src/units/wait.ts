/**
 * Blocking for start/stop: watch each unit's published states (`watchStates`) until a condition holds, under
 * one overall deadline. The watch is opened before the initial read, and a key the watch already reported is
 * never overwritten by the (older) read, so no transition is missed between the two.
 */
import type { Subscription, UnitStateRecord, UnitStateView, WatchEvent } from '@flotilla/core';
import { waitTimedOut } from '../cli-errors.js';

/** Returns the state that satisfies the wait (or true when satisfied without one), else undefined. */
export type StateCondition = (states: readonly UnitStateRecord[]) => UnitStateRecord | true | undefined;

export interface WaitRequest {
  units: readonly string[];
  condition(unit: string): StateCondition;
  /** The state name used in the timeout message, e.g. `active`. */
  describe: string;
  deadlineMs: number;
  onReached(unit: string, state: UnitStateRecord | undefined): void;
  /** Every change of a unit's published states (progress display, placement checks). */
  onChange?(unit: string, states: readonly UnitStateRecord[]): void;
}

/** Live view of one unit's states: `states/<unit>/<machineId>` keyed by machine. */
class UnitStates {
  private readonly byMachine = new Map<string, UnitStateRecord>();
  private readonly watched = new Set<string>();

  apply(event: WatchEvent<UnitStateRecord>): void {
    const machineId = event.type === 'put' ? event.value.machineId : event.key.slice(event.key.lastIndexOf('/') + 1);
    this.watched.add(machineId);
    if (event.type === 'put') this.byMachine.set(machineId, event.value);
    else this.byMachine.delete(machineId);
  }

  seed(states: readonly UnitStateRecord[]): void {
    for (const s of states) if (!this.watched.has(s.machineId)) this.byMachine.set(s.machineId, s);
  }

  list(): UnitStateRecord[] {
    return [...this.byMachine.values()];
  }
}

interface UnitWait {
  done: Promise<void>;
  /** Ends the wait with `reason` (the deadline, or another unit's failure); a finished wait ignores it. */
  cancel(reason: unknown): void;
}

function waitForUnit(registry: Pick<UnitStateView, 'getStates' | 'watchStates'>, unit: string, req: WaitRequest): UnitWait {
  const view = new UnitStates();
  let sub: Subscription | undefined;
  let finished = false;
  let settle!: (err?: unknown) => void;
  const done = new Promise<void>((resolve, reject) => {
    settle = (err) => (err === undefined ? resolve() : reject(err));
  });
  const finish = (err?: unknown) => {
    if (finished) return;
    finished = true;
    void sub?.close().catch(() => undefined);
    settle(err);
  };
  const condition = req.condition(unit);
  const check = () => {
    if (!finished) req.onChange?.(unit, view.list());
    const hit = condition(view.list());
    if (hit === undefined || finished) return;
    req.onReached(unit, hit === true ? undefined : hit);
    finish();
  };
  registry
    .watchStates(unit, (event) => {
      view.apply(event);
      check();
    })
    .then(async (s) => {
      sub = s;
      if (finished) void s.close().catch(() => undefined);
      view.seed(await registry.getStates(unit));
      check();
    })
    .catch(finish);
  return { done, cancel: finish };
}

/**
 * Resolves when every unit met the condition; throws a timeout naming the units that did not. One timer ends
 * every wait still open: no listener per unit on a shared AbortSignal, where from 11 units on Node printed
 * MaxListenersExceededWarning (its EventTarget limit) into the user's terminal.
 */
export async function waitForUnits(registry: Pick<UnitStateView, 'getStates' | 'watchStates'>, req: WaitRequest): Promise<void> {
  const pending = new Set(req.units);
  const waits = req.units.map((unit) => ({ unit, wait: waitForUnit(registry, unit, req) }));
  const cancelAll = (reason: unknown) => {
    for (const { wait } of waits) wait.cancel(reason);
  };
  const timer = setTimeout(() => cancelAll(waitTimedOut([...pending], req.describe, req.deadlineMs / 1000)), req.deadlineMs);
  try {
    await Promise.all(waits.map(({ unit, wait }) => wait.done.then(() => pending.delete(unit))));
  } catch (err) {
    cancelAll(err);
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

const RUNNING = new Set(['active', 'activating', 'deactivating', 'reloading']);

/** start: systemd reports the unit active (and loaded) on some machine, for the submitted contents. */
export function activeCondition(hash: string): StateCondition {
  return (states) =>
    states.find((s) => s.activeState === 'active' && s.loadState === 'loaded' && (s.hash === '' || s.hash === hash));
}

/** load: some machine reports the unit loaded, for the submitted contents. */
export function loadedCondition(hash: string): StateCondition {
  return (states) => states.find((s) => s.loadState === 'loaded' && (s.hash === '' || s.hash === hash));
}

/** unload: no machine reports the unit any more. */
export function goneCondition(): StateCondition {
  return (states) => (states.length === 0 ? true : undefined);
}

/** stop: no machine reports the unit running; the remaining state (if any) says where it sits loaded. */
export function stoppedCondition(): StateCondition {
  return (states) => (states.some((s) => RUNNING.has(s.activeState)) ? undefined : (states[0] ?? true));
}
