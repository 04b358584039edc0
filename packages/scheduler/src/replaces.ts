/**
 * `Replaces=glob` (fleet's `engine/reconciler.go`): a unit R displaces the units its globs match from R's machine; each
 * displaced unit is placed again on another machine. Unlike fleet, the new machine must pass every filter, and
 * a unit that fits nowhere else stays where it is (fleet moved it without checks). Circular pairs (X also
 * replaces R) are ignored, as in fleet.
 */
import { matchUnitGlob, type UnitRecord } from '@flotilla/core';
import { place } from './placement/place.js';
import { requirementsOf } from './placement/requirements.js';
import { removeUnitFrom } from './placement/state.js';
import { byName, decide, type Working } from './working.js';

export function reasonReplaced(by: string): string {
  return `replaced by ${by} (Replaces)`;
}

function replaces(r: UnitRecord, x: UnitRecord): boolean {
  return x.name !== r.name && requirementsOf(r).replaces.some((glob) => matchUnitGlob(glob, x.name));
}

/** The units whose Replaces the pass acts on, in name order. */
export function replacersOf(work: Working): UnitRecord[] {
  const among = work.base ? [...work.base.replacers].flatMap((name) => work.units.get(name) ?? []) : work.snapshot.units;
  return among.filter((u) => !u.global && requirementsOf(u).replaces.length > 0).sort((a, b) => byName(a.name, b.name));
}

export function replacesPass(work: Working): void {
  for (const r of replacersOf(work)) {
    const machineId = work.schedule.get(r.name);
    if (machineId === undefined) continue;
    const displaced = (work.state.unitsOn.get(machineId) ?? []).filter(
      (x) => !x.global && work.schedule.get(x.name) === machineId && replaces(r, x) && !replaces(x, r),
    );
    for (const x of displaced) moveAway(work, x, machineId, reasonReplaced(r.name));
  }
}

function moveAway(work: Working, unit: UnitRecord, from: string, reason: string): void {
  const others = work.snapshot.machines.filter((m) => m.id !== from);
  const result = place(unit, others, work.state, work.config);
  if (!result.placed) return;
  // Placed on the replacer's machine earlier in this same plan: place it elsewhere instead (an unassign and an
  // assign of one unit in one plan would be applied removals-first and conflict).
  const earlier = work.plan.decisions.findIndex((d) => d.kind === 'assign' && d.unit === unit.name && d.machineId === from);
  if (earlier >= 0) {
    work.plan.decisions.splice(earlier, 1);
    work.schedule.delete(unit.name);
    removeUnitFrom(work.state, from, unit.name);
    work.queues.update(from);
  } else {
    decide(work, { kind: 'unassign', unit: unit.name, machineId: from, reason });
  }
  decide(work, { kind: 'assign', unit: unit.name, machineId: result.machineId, reason }, unit);
}
