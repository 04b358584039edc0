/**
 * What an incremental plan can start from instead of building it from a snapshot: the leader's live cluster and
 * placement state (loop/live-placement.ts keeps it current from events). The plan never writes to it: it works
 * on an overlay of the schedule and a copy of the per-machine maps (plan.ts).
 */
import type { MachineRecord, UnitRecord } from '@flotilla/core';
import type { PlacementState } from './placement/types.js';

export interface PlanBase {
  readonly units: ReadonlyMap<string, UnitRecord>;
  readonly machines: ReadonlyMap<string, MachineRecord>;
  readonly schedule: ReadonlyMap<string, string>;
  /** Per machine, what `placementStateFrom` would build; its arrays are never changed in place. */
  readonly state: PlacementState;
  /** Units with a schedule entry on the machine (whether or not they count there). */
  scheduledOn(machineId: string): Iterable<string>;
  /** Units whose MachineOf names `peer`. */
  followers(peer: string): Iterable<string>;
  /** Units that should run (needsPlacement) and have no schedule entry. */
  readonly unscheduled: ReadonlySet<string>;
  readonly globalUnits: ReadonlySet<string>;
  /** Non-global units with Replaces=. */
  readonly replacers: ReadonlySet<string>;
}
