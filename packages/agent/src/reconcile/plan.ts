/**
 * What the agent must do to make systemd match its assignments (fleet §5.3), as a pure function:
 * desired + current in, an ordered task list out, each task with a reason from the constants below.
 */
import type { DesiredState } from '@flotilla/core';

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

/** fleet's order: everything unloaded, then loaded, one reload, then stops, then starts. */
export const TASK_PRIORITY: Readonly<Record<TaskKind, number>> = { Unload: 1, Load: 2, Reload: 3, Stop: 4, Start: 5 };

const RUNNING_STATES = new Set(['active', 'activating', 'reloading']);

export function planTasks(desired: ReadonlyMap<string, DesiredUnit>, current: ReadonlyMap<string, CurrentUnit>): Task[] {
  const names = [...new Set([...desired.keys(), ...current.keys()])].sort();
  const tasks = names.flatMap((unit) => tasksForUnit(unit, desired.get(unit), current.get(unit)));
  if (needsReload(tasks, current)) tasks.push({ kind: 'Reload', unit: '', reason: REASON_RELOAD });
  // Array.prototype.sort is stable, so units keep their name order within a kind.
  return tasks.sort((a, b) => TASK_PRIORITY[a.kind] - TASK_PRIORITY[b.kind]);
}

function tasksForUnit(unit: string, want: DesiredUnit | undefined, have: CurrentUnit | undefined): Task[] {
  if (have?.foreign === true) return [];
  const wanted = want !== undefined && want.desiredState !== 'inactive' ? want : undefined;
  if (wanted === undefined) return have === undefined ? [] : [{ kind: 'Unload', unit, reason: REASON_NOT_SCHEDULED }];
  if (have === undefined || have.loadState === 'not-found') return load(unit, wanted);
  if (have.hash !== wanted.hash) return [{ kind: 'Unload', unit, reason: REASON_HASH_DIFFERS }, ...load(unit, wanted)];
  const launched = isLaunched(have);
  if (wanted.desiredState === 'launched' && !launched) return [{ kind: 'Start', unit, reason: REASON_WANT_LAUNCHED }];
  if (wanted.desiredState === 'loaded' && launched) return [{ kind: 'Stop', unit, reason: REASON_WANT_LOADED }];
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
 * Unload of a unit that is not `not-found`) needs one, and one per batch covers all of them.
 */
function needsReload(tasks: readonly Task[], current: ReadonlyMap<string, CurrentUnit>): boolean {
  return tasks.some((t) => t.kind === 'Unload' && current.get(t.unit)?.loadState !== 'not-found');
}
