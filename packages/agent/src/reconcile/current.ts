/**
 * Current state: the units in the agent's directory (ours, with the hash of each file) and how systemd is
 * doing with each; plus, for desired units we have no file for, whether systemd already holds a unit of that
 * name from somewhere else (foreign: refused, never overwritten).
 */
import type { SystemdUnitState } from '@flotilla/core';
import type { SystemdManager } from '../systemd/manager.js';
import type { UnitFiles } from '../unit-files.js';
import type { CurrentUnit, DesiredUnit } from './plan.js';

export interface CurrentStateDeps {
  systemd: SystemdManager;
  files: UnitFiles;
  desired: ReadonlyMap<string, DesiredUnit>;
  /** Pruned here of units that no longer have a file. */
  launchedByAgent: Set<string>;
  /** Told the states read from systemd (the pass hands them to the publisher instead of a second read). */
  seen?: (states: ReadonlyMap<string, SystemdUnitState>) => void;
}

export async function readCurrentState({ systemd, files, desired, launchedByAgent, seen }: CurrentStateDeps): Promise<Map<string, CurrentUnit>> {
  const ours = await files.list();
  const ownNames = new Set(ours.map((f) => f.name));
  for (const unit of launchedByAgent) if (!ownNames.has(unit)) launchedByAgent.delete(unit);
  const candidates = [...desired.keys()].filter((n) => !ownNames.has(n));
  const states = await systemd.unitStates([...ownNames, ...candidates]);
  seen?.(states);
  const current = new Map<string, CurrentUnit>();
  for (const { name, hash } of ours) {
    const state = states.get(name);
    current.set(name, {
      hash,
      activeState: state?.activeState ?? 'inactive',
      ...(state === undefined ? {} : { loadState: state.loadState }),
      launchedByAgent: launchedByAgent.has(name),
    });
  }
  const known = candidates.filter((n) => states.get(n)?.loadState !== 'not-found');
  const fragments = await systemd.fragmentPaths(known);
  for (const name of known) {
    if (isOurFile(fragments.get(name) ?? '', files.dirSeenBySystemd)) continue; // removed by us, not yet reloaded
    const state = states.get(name);
    current.set(name, { hash: '', activeState: state?.activeState ?? 'inactive', loadState: state?.loadState ?? '', foreign: true });
  }
  return current;
}

function isOurFile(fragmentPath: string, dir: string): boolean {
  return fragmentPath !== '' && fragmentPath.startsWith(dir.endsWith('/') ? dir : `${dir}/`);
}
