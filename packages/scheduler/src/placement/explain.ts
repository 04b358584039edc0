/**
 * "Why can't this unit go anywhere": the one producer of that sentence, used by the plan for every unit it
 * cannot place (the leader records it in the cluster event log, which a blocked `start` prints) and so by
 * `flotilla plan`. As Kubernetes' "0/5 nodes are available" and Nomad's "N nodes excluded by filter", every
 * machine is counted once, under the first rule (in configured order) that excludes it, so an explanation costs
 * what one placement attempt costs; each rule that excluded any says how many, in its own words (filters/*.ts):
 * `MachineMetadata role=web: 2 of 4 machines not matching; Conflicts web@*: 2 of 4 machines taken`. A rule that
 * is broken for the unit says what is wrong instead (Kubernetes' Error, apart from Unschedulable).
 */
import type { MachineRecord, UnitRecord } from '@flotilla/core';
import type { FilterRule, MachineCheck, PlacementCluster, PlacementConfig, PlacementState } from './types.js';

export const REASON_NO_MACHINES = 'no machines available';

/** Why a unit fits nowhere; `broken` when a rule is in error for it (a change of machines will not help). */
export interface Explanation {
  reasons: string[];
  broken?: true;
}

/** One sentence per rule that is broken or excludes a machine; `no machines available` for an empty cluster. */
export function explainUnplaceable(
  unit: UnitRecord,
  machines: readonly MachineRecord[],
  state: PlacementState,
  config: PlacementConfig,
  cluster: PlacementCluster,
): Explanation {
  if (machines.length === 0) return { reasons: [REASON_NO_MACHINES] };
  const rules: { rule: FilterRule; check: MachineCheck; excluded: number }[] = [];
  for (const rule of config.filters) {
    const check = rule.prepare(unit);
    if (check) rules.push({ rule, check, excluded: 0 });
  }
  for (const machine of machines) {
    const first = rules.find(({ check }) => !check(machine, state).fits);
    if (first) first.excluded += 1;
  }
  const reasons: string[] = [];
  let broken = false;
  for (const { rule, excluded } of rules) {
    const error = rule.broken?.(unit, cluster);
    if (error !== undefined) broken = true;
    if (error !== undefined) reasons.push(`${rule.label(unit)}: ${error}`);
    else if (excluded > 0) reasons.push(`${rule.label(unit)}: ${rule.outcome(excluded, machines.length)}`);
  }
  return broken ? { reasons, broken: true } : { reasons };
}
