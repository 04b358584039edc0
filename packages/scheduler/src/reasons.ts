/** The reasons plan decisions carry (logged with every write, printed by `flotilla plan`). */
import { unitNameInfo, type UnitRecord } from '@flotilla/core';

export const REASON_UNIT_GONE = 'unit no longer exists';
export const REASON_INACTIVE = 'desired state is inactive';
export const REASON_GLOBAL = 'global units have no schedule entry';
export const REASON_UNSCHEDULED = 'unit is not scheduled';
export const REASON_NOT_GLOBAL = 'unit is no longer global';
export const REASON_GLOBAL_MATCHES = 'global unit: machine matches';
export const REASON_GLOBAL_CHANGED = 'global unit changed: assignment rewritten';
export const REASON_ASSIGNMENT_LAGS = 'assignment lags its unit record: rewritten';

export function reasonMachineGone(machineId: string): string {
  return `machine ${machineId} went away`;
}

export function reasonNoLongerFits(filterReason: string): string {
  return `machine can no longer run it: ${filterReason}`;
}

/** A non-global unit that should run somewhere (templates never run). */
export function needsPlacement(unit: UnitRecord): boolean {
  return !unit.global && unit.desiredState !== 'inactive' && !unitNameInfo(unit.name).isTemplate;
}
