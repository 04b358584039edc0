/**
 * What the documented behaviour allows at a given moment, as data the checks read (pure):
 * - **Cut-off windows.** While a machine is partitioned, its link is degraded, or its agent is dead, stopped or
 *   frozen, and until one presence TTL after that fault is undone, the machine may be declared lost and its units
 *   started elsewhere while its own copies still run: fleet's machine-loss behaviour, kept by Flotilla
 *   (docs/agent.md, "Machine cut off", "Returning after a lost lease"). An overlap that involves such a machine
 *   is tolerated (counted, not failed), except for a `StopOnLeaseLoss=true` unit, which may never run twice.
 * - **Intents.** What the run asked of each unit and when: a unit may run from the moment its start was issued
 *   until a grace period after its destroy returned. A command that failed leaves the unit's fate open until the
 *   command is repeated (at the next quiet point).
 */

export interface CutoffWindow {
  machine: string;
  /** Why (the fault's log label), for reports. */
  cause: string;
  fromMs: number;
  /** One TTL after the fault was undone; Infinity while it lasts. */
  toMs: number;
}

export function insideWindow(windows: readonly CutoffWindow[], machine: string, atMs: number): boolean {
  return windows.some((w) => w.machine === machine && w.fromMs <= atMs && atMs < w.toMs);
}

export type Desired = 'launched' | 'inactive';

export interface Intent {
  unit: string;
  atMs: number;
  desired: Desired;
  /** False when the command failed or timed out: it may or may not have been applied. */
  certain: boolean;
}

/**
 * May `unit` run at `atMs`? Yes from a start issued at or before then; after a stop or destroy, until `graceMs` past
 * it (the agent's stop); and whenever the latest intent is uncertain. Never before any start.
 */
export function mayRun(intents: readonly Intent[], unit: string, atMs: number, graceMs: number): boolean {
  const mine = intents.filter((i) => i.unit === unit && i.atMs <= atMs);
  const last = mine[mine.length - 1];
  if (last === undefined) return false;
  if (last.desired === 'launched' || !last.certain) return true;
  return atMs < last.atMs + graceMs && mine.some((i) => i.desired === 'launched' || !i.certain);
}

/** Units whose latest intent is a certain start: each must run somewhere once the cluster has settled. */
export function expectedRunning(intents: readonly Intent[]): Set<string> {
  const last = new Map<string, Intent>();
  for (const intent of intents) last.set(intent.unit, intent);
  return new Set([...last.values()].filter((i) => i.desired === 'launched' && i.certain).map((i) => i.unit));
}

/** Units whose latest intent is uncertain: their command must be repeated before the cluster can be judged. */
export function uncertainUnits(intents: readonly Intent[]): Intent[] {
  const last = new Map<string, Intent>();
  for (const intent of intents) last.set(intent.unit, intent);
  return [...last.values()].filter((i) => !i.certain);
}
