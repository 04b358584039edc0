/**
 * Rebalancing, pure: when unit counts are uneven (machines joined, or load skewed), move units from the
 * busiest machines to the least busy, with bounded disruption:
 * - at most `maxMoves` moves per plan (the leader runs a rebalancing plan at most once per interval);
 * - at most one instance of a template per plan, so two instances of one template are never moved at once;
 * - never pinned units (MachineID), MachineOf followers or their peers, nor global units;
 * - a move only if the unit passes every filter on the target and the gap shrinks (source count − target
 *   count ≥ 2), so a move never breaks a rule and never oscillates.
 */
import { unitNameInfo, type UnitRecord } from '@flotilla/core';
import { checksFor, firstFailure } from './placement/place.js';
import { requirementsOf } from './placement/requirements.js';
import type { Working } from './working.js';
import { decide } from './working.js';

export interface RebalanceOptions {
  maxMoves: number;
}

/** How many of the least busy machines are tried as targets for one unit. */
const TARGETS_TRIED = 5;

export function reasonRebalance(from: number, to: number): string {
  return `rebalance: ${from} units on the source, ${to} on the target`;
}

export function rebalance(work: Working, opts: RebalanceOptions): void {
  const followed = new Set(work.snapshot.units.flatMap((u) => requirementsOf(u).machineOf));
  const templatesMoved = new Set<string>();
  for (let moves = 0; moves < opts.maxMoves; moves++) {
    if (!moveOne(work, followed, templatesMoved)) return;
  }
}

function count(work: Working, machineId: string): number {
  return work.state.unitsOn.get(machineId)?.length ?? 0;
}

function moveOne(work: Working, followed: ReadonlySet<string>, templatesMoved: Set<string>): boolean {
  const byLoad = [...work.machines.keys()].sort((a, b) => count(work, a) - count(work, b) || (a < b ? -1 : a > b ? 1 : 0));
  const busiest = byLoad[byLoad.length - 1];
  if (busiest === undefined) return false;
  const movable = (work.state.unitsOn.get(busiest) ?? [])
    .filter((u) => isMovable(work, u, busiest, followed, templatesMoved))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const target of byLoad.slice(0, TARGETS_TRIED)) {
    const from = count(work, busiest);
    const to = count(work, target);
    if (from - to < 2) return false;
    const machine = work.machines.get(target);
    const unit = machine && movable.find((u) => firstFailure(checksFor(u, work.config), machine, work.state) === undefined);
    if (!unit) continue;
    const reason = reasonRebalance(from, to);
    decide(work, { kind: 'unassign', unit: unit.name, machineId: busiest, reason });
    decide(work, { kind: 'assign', unit: unit.name, machineId: target, reason }, unit);
    const template = unitNameInfo(unit.name).templateName;
    if (template !== undefined) templatesMoved.add(template);
    return true;
  }
  return false;
}

function isMovable(work: Working, unit: UnitRecord, machineId: string, followed: ReadonlySet<string>, templatesMoved: ReadonlySet<string>): boolean {
  if (unit.global || work.schedule.get(unit.name) !== machineId) return false;
  const req = requirementsOf(unit);
  if (req.machineId !== undefined || req.machineOf.length > 0 || followed.has(unit.name)) return false;
  const template = unitNameInfo(unit.name).templateName;
  return template === undefined || !templatesMoved.has(template);
}
