/** Turns placement counts into the sentences `plan` reports and the CLI prints for an unplaceable unit. */
import type { PlacementResult } from './types.js';

export const REASON_NO_MACHINES = 'no machines available';

/** e.g. ["2 machines excluded: unit is pinned to another machine (MachineID)"], sorted by reason. */
export function describeExclusions(result: PlacementResult): string[] {
  if (result.candidates === 0) return [REASON_NO_MACHINES];
  return Object.entries(result.excluded)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([reason, n]) => `${n} ${n === 1 ? 'machine' : 'machines'} excluded: ${reason}`);
}
