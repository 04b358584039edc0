/**
 * A cordoned machine (`flotilla cordon`/`drain`, docs/machine-lifecycle.md), or one whose agent is leaving
 * (docs/agent.md, "Stopping"), gets no new unit; what already runs
 * there stays (the filter is placement-only: a unit's current place is never judged by it). As Kubernetes'
 * `unschedulable` node, and as there, global units are not held back (it does not judge global units).
 */
import { doesNotFit, FITS, type FilterRule, type MachineCheck } from '../types.js';
import { ofMachines } from '../wording.js';

export const CORDON_FILTER = 'cordon';
export const REASON_CORDONED = 'machine is cordoned';
export const REASON_LEAVING = 'machine is leaving (its agent is stopping)';

const check: MachineCheck = (machine) =>
  machine.leaving === true ? doesNotFit(REASON_LEAVING) : machine.cordon === undefined ? FITS : doesNotFit(REASON_CORDONED);

export const cordonFilter: FilterRule = {
  name: CORDON_FILTER,
  placementOnly: true,
  prepare: () => check,
  label: () => 'Cordon',
  outcome: (excluded, total) => `${ofMachines(excluded, total)} cordoned or leaving`,
};
