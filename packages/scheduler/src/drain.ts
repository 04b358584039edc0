/**
 * Draining, pure (`flotilla drain`, docs/machine-lifecycle.md): the non-global units of a draining machine are
 * taken off it, and the leader turns each removal into a stop-before-start move (stop-before-start.ts), so a unit
 * is never active on two machines. Disruption is bounded as Kubernetes' drain with a disruption budget of one
 * and Nomad's drainer:
 * - at most one instance of a template is down at a time, cluster-wide: an instance is not taken off while
 *   another instance of its template is moving, is not yet active on its new machine (`busy`), or should run
 *   and has no machine;
 * - a unit is taken off only if some other machine can take it now (else it keeps running here, and the drain
 *   waits); MachineOf followers follow their peer (plan.ts's pass 1 moves them once the peer has moved);
 * - global units stay until the machine leaves;
 * - past the drain's deadline every remaining unit is taken off at once, whether or not it fits elsewhere (one
 *   that fits nowhere is stopped and reported unplaceable: never run twice, never lost from the registry).
 */
import { unitNameInfo } from '@flotilla/core';
import { byName, chooseMachine, decide, type Working } from './working.js';
import { needsPlacement } from './reasons.js';

export const REASON_DRAINING = 'machine is draining';
export const REASON_DRAIN_DEADLINE = 'machine is draining and its deadline has passed';

export interface DrainOptions {
  /** Units whose move is in flight, or that moved and are not active on their new machine yet. */
  busy: ReadonlySet<string>;
  /** ms since epoch, for drain deadlines. */
  now: number;
}

/** True when some machine is draining and still has a non-global unit scheduled on it. */
export function drainInProgress(work: Pick<Working, 'snapshot'>): boolean {
  const draining = new Set(work.snapshot.machines.filter((m) => m.cordon?.drain !== undefined).map((m) => m.id));
  if (draining.size === 0) return false;
  for (const machineId of work.snapshot.schedule.values()) if (draining.has(machineId)) return true;
  return false;
}

export function drainPass(work: Working, opts: DrainOptions): void {
  const draining = work.snapshot.machines.filter((m) => m.cordon?.drain !== undefined).sort((a, b) => byName(a.id, b.id));
  if (draining.length === 0) return;
  const down = templatesDown(work, opts.busy);
  for (const machine of draining) {
    const deadlineAt = machine.cordon?.drain?.deadlineAt;
    const pastDeadline = deadlineAt !== undefined && opts.now >= deadlineAt;
    const units = (work.state.unitsOn.get(machine.id) ?? [])
      .filter((u) => !u.global && work.schedule.get(u.name) === machine.id && !opts.busy.has(u.name))
      .sort((a, b) => byName(a.name, b.name));
    for (const unit of units) {
      const template = unitNameInfo(unit.name).templateName;
      if (!pastDeadline && ((template !== undefined && down.has(template)) || chooseMachine(work, unit) === undefined)) continue;
      decide(work, { kind: 'unassign', unit: unit.name, machineId: machine.id, reason: pastDeadline ? REASON_DRAIN_DEADLINE : REASON_DRAINING });
      if (template !== undefined) down.add(template);
    }
  }
}

/** Templates with an instance down: busy, or wanted with no machine. */
function templatesDown(work: Working, busy: ReadonlySet<string>): Set<string> {
  const down = new Set<string>();
  const add = (name: string) => {
    const template = unitNameInfo(name).templateName;
    if (template !== undefined) down.add(template);
  };
  for (const name of busy) add(name);
  for (const unit of work.snapshot.units) if (needsPlacement(unit) && !work.schedule.has(unit.name)) add(unit.name);
  return down;
}
