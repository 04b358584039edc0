/**
 * What the agent must do to make systemd match its assignments (fleet's `calculateTasksForUnit` in
 * `agent/reconcile.go`), as a pure function: desired + current + the agent's own guards in, an ordered task list
 * out, each task with a reason from the constants below or from its guard's module (lease-fence.ts,
 * inherited-hold.ts).
 */
import type { DesiredState } from '@flotilla/core';
import { hasInstallSection } from '../unit-files.js';
import { REASON_HELD } from './inherited-hold.js';
import { fenceReason, type ContactState } from './lease-fence.js';

export type TaskKind = 'Unload' | 'Load' | 'Reload' | 'Stop' | 'Start';

export interface Task {
  kind: TaskKind;
  /** The unit the task acts on; '' for Reload, which acts on systemd as a whole. */
  unit: string;
  reason: string;
}

export interface DesiredUnit {
  /** SHA1 of `text`. */
  hash: string;
  desiredState: DesiredState;
  /** Canonical unit text, what Load writes. */
  text: string;
}

export interface CurrentUnit {
  /** SHA1 of the file in the units directory (only units with a file there are ours, and only they appear). */
  hash: string;
  /** systemd's ActiveState. */
  activeState: string;
  /** systemd's LoadState; 'not-found' means systemd has no definition of the unit in memory. */
  loadState?: string;
  /** The agent queued a start since it loaded the unit and has not stopped it since. Such a unit counts as
   * launched even once it has exited or failed: restarting it is systemd's job (Restart=), not a 5 s loop's. */
  launchedByAgent?: boolean;
  /** systemd holds a unit of this name that the agent did not create (a file outside its directory, a
   * transient or masked unit). The agent never writes, starts, stops or removes it: the unit is refused. */
  foreign?: boolean;
}

export const REASON_NOT_LOADED = 'unit scheduled here but not loaded';
export const REASON_NOT_SCHEDULED = 'unit loaded but not scheduled here';
export const REASON_HASH_DIFFERS = 'unit loaded but hash differs to expected';
export const REASON_WANT_LAUNCHED = 'unit currently loaded but desired state is launched';
export const REASON_WANT_LOADED = 'unit currently launched but desired state is loaded';
export const REASON_RELOAD = 'a unit systemd already knows was changed or removed';
export const REASON_RELOAD_ENABLED = 'a unit was enabled: a running systemd sees its [Install] symlinks only after a reload';
export const REASON_ADOPT_ENABLED = 'enabled unit runs but the agent has not started it; desired state is launched';

/** The agent's own rules that hold a unit desired `launched` at `loaded` for a pass, each with its reason. */
export interface PlanGuards {
  /** `StopOnLeaseLoss` (lease-fence.ts): the systemd names that opted in and the contact with etcd; default in
   * contact. */
  fence?: { optedIn: ReadonlySet<string>; contact: ContactState };
  /** systemd names of inherited assignments (inherited-hold.ts): never started from such an assignment; a unit
   * already running (same text) keeps running. Default none. */
  held?: ReadonlySet<string>;
}

/** A unit desired `launched` that a guard held at `loaded` this pass (not started, or stopped), and why. */
export interface HeldBack {
  unit: string;
  reason: string;
}

export interface Plan {
  tasks: Task[];
  heldBack: HeldBack[];
}

/** fleet's order: everything unloaded, then loaded, one reload, then stops, then starts. */
export const TASK_PRIORITY: Readonly<Record<TaskKind, number>> = { Unload: 1, Load: 2, Reload: 3, Stop: 4, Start: 5 };

const RUNNING_STATES = new Set(['active', 'activating', 'reloading']);

export function planTasks(desired: ReadonlyMap<string, DesiredUnit>, current: ReadonlyMap<string, CurrentUnit>, guards: PlanGuards = {}): Plan {
  const names = [...new Set([...desired.keys(), ...current.keys()])].sort();
  const heldBack: HeldBack[] = [];
  const tasks = names.flatMap((unit) => {
    const want = desired.get(unit);
    const have = current.get(unit);
    const guard = want === undefined ? undefined : guardReason(unit, want, have, guards);
    if (want === undefined || guard === undefined) return tasksForUnit(unit, want, have);
    heldBack.push({ unit, reason: guard });
    return tasksForUnit(unit, { ...want, desiredState: 'loaded' }, have, guard);
  });
  const reload = reloadReason(tasks, desired, current);
  if (reload !== undefined) tasks.push({ kind: 'Reload', unit: '', reason: reload });
  // Array.prototype.sort is stable, so units keep their name order within a kind.
  return { tasks: tasks.sort((a, b) => TASK_PRIORITY[a.kind] - TASK_PRIORITY[b.kind]), heldBack };
}

/**
 * Why a guard holds this unit at `loaded`, if one does. The fence comes first (a fenced unit is not also handed
 * back as inherited: it is still ours, only stopped). A held unit that runs here with the desired text keeps
 * running; anything else (not loaded, stopped, a foreign unit of that name, an older text) would need a start.
 */
function guardReason(unit: string, want: DesiredUnit, have: CurrentUnit | undefined, { fence, held }: PlanGuards): string | undefined {
  if (want.desiredState !== 'launched') return undefined;
  const fenced = fence?.optedIn.has(unit) === true ? fenceReason(fence.contact) : undefined;
  if (fenced !== undefined) return fenced;
  if (held?.has(unit) !== true) return undefined;
  return have !== undefined && have.hash === want.hash && isLaunched(have) ? undefined : REASON_HELD;
}

/** `heldBy`: the guard that turned a desired `launched` into `loaded`, the reason of the Stop that follows. */
function tasksForUnit(unit: string, want: DesiredUnit | undefined, have: CurrentUnit | undefined, heldBy?: string): Task[] {
  if (have?.foreign === true) return [];
  const wanted = want !== undefined && want.desiredState !== 'inactive' ? want : undefined;
  if (wanted === undefined) return have === undefined ? [] : [{ kind: 'Unload', unit, reason: REASON_NOT_SCHEDULED }];
  if (have === undefined || have.loadState === 'not-found') return load(unit, wanted);
  if (have.hash !== wanted.hash) return [{ kind: 'Unload', unit, reason: REASON_HASH_DIFFERS }, ...load(unit, wanted)];
  // systemd starts an enabled unit on its own when a unit that wants it starts (its [Install] section), whatever
  // the desired state: only the agent's own start counts as launched, as in fleet, whose launched state is what
  // the agent did (coreos/fleet agent/cache.go). A unit desired `loaded` that systemd started is left alone.
  const enabled = hasInstallSection(wanted.text);
  const launched = enabled ? have.launchedByAgent === true : isLaunched(have);
  if (wanted.desiredState === 'launched' && !launched) {
    // An enabled unit already running (after an agent restart, or started through [Install]) gets a start, a
    // no-op for systemd, so the agent records the launch and a later desired `loaded` stops it.
    const adopt = enabled && RUNNING_STATES.has(have.activeState);
    return [{ kind: 'Start', unit, reason: adopt ? REASON_ADOPT_ENABLED : REASON_WANT_LAUNCHED }];
  }
  if (wanted.desiredState === 'loaded' && launched) return [{ kind: 'Stop', unit, reason: heldBy ?? REASON_WANT_LOADED }];
  return [];
}

/** Started by the agent (and not stopped since), or running: no Start is needed for it. */
export function isLaunched(have: CurrentUnit): boolean {
  return have.launchedByAgent === true || RUNNING_STATES.has(have.activeState);
}

function load(unit: string, wanted: DesiredUnit): Task[] {
  const tasks: Task[] = [{ kind: 'Load', unit, reason: REASON_NOT_LOADED }];
  if (wanted.desiredState === 'launched') tasks.push({ kind: 'Start', unit, reason: REASON_WANT_LAUNCHED });
  return tasks;
}

/**
 * Improvement over fleet, which reloads after any load or unload: systemd reads a unit it has no definition
 * of straight from disk when it is started, so a brand-new file needs no daemon-reload (15 ms instead of
 * 140 ms, testbed.md). Only a unit systemd already holds in memory and whose file we removed or replaced (an
 * Unload of a unit that is not `not-found`) needs one, and one per batch covers all of them. So does a Load
 * that enables a unit: a unit that wants it and is in memory (running, or referenced) keeps the dependencies it
 * was loaded with until a reload (seen on systemd 252: manager.systemd.test.ts).
 */
function reloadReason(tasks: readonly Task[], desired: ReadonlyMap<string, DesiredUnit>, current: ReadonlyMap<string, CurrentUnit>): string | undefined {
  if (tasks.some((t) => t.kind === 'Unload' && current.get(t.unit)?.loadState !== 'not-found')) return REASON_RELOAD;
  if (tasks.some((t) => t.kind === 'Load' && hasInstallSection(desired.get(t.unit)?.text ?? ''))) return REASON_RELOAD_ENABLED;
  return undefined;
}
