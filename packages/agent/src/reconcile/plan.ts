/**
 * What the agent must do to make systemd match its assignments (fleet's `calculateTasksForUnit` in
 * `agent/reconcile.go`), as a pure function: desired + current in, an ordered task list out, each task with a
 * reason from the constants below.
 */
import type { DesiredState } from '@flotilla/core';
import { hasInstallSection } from '../unit-files.js';

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

/** fleet's order: everything unloaded, then loaded, one reload, then stops, then starts. */
export const TASK_PRIORITY: Readonly<Record<TaskKind, number>> = { Unload: 1, Load: 2, Reload: 3, Stop: 4, Start: 5 };

const RUNNING_STATES = new Set(['active', 'activating', 'reloading']);

export function planTasks(desired: ReadonlyMap<string, DesiredUnit>, current: ReadonlyMap<string, CurrentUnit>): Task[] {
  const names = [...new Set([...desired.keys(), ...current.keys()])].sort();
  const tasks = names.flatMap((unit) => tasksForUnit(unit, desired.get(unit), current.get(unit)));
  const reload = reloadReason(tasks, desired, current);
  if (reload !== undefined) tasks.push({ kind: 'Reload', unit: '', reason: reload });
  // Array.prototype.sort is stable, so units keep their name order within a kind.
  return tasks.sort((a, b) => TASK_PRIORITY[a.kind] - TASK_PRIORITY[b.kind]);
}

function tasksForUnit(unit: string, want: DesiredUnit | undefined, have: CurrentUnit | undefined): Task[] {
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
 * Unload of a unit that is not `not-found`) needs one, and one per batch covers all of them. So does a Load
 * that enables a unit: a unit that wants it and is in memory (running, or referenced) keeps the dependencies it
 * was loaded with until a reload (seen on systemd 252: manager.systemd.test.ts).
 */
function reloadReason(tasks: readonly Task[], desired: ReadonlyMap<string, DesiredUnit>, current: ReadonlyMap<string, CurrentUnit>): string | undefined {
  if (tasks.some((t) => t.kind === 'Unload' && current.get(t.unit)?.loadState !== 'not-found')) return REASON_RELOAD;
  if (tasks.some((t) => t.kind === 'Load' && hasInstallSection(desired.get(t.unit)?.text ?? ''))) return REASON_RELOAD_ENABLED;
  return undefined;
}
