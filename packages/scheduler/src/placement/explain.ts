/**
 * "Why can't this unit go anywhere": the one producer of that sentence, used by the plan for every unit it
 * cannot place (the leader records it in the cluster event log, which `start` prints while it waits) and by
 * `flotilla plan`. Each rule that applies is checked on every machine on its own (not first-failure), so the
 * user sees every obstacle at once, in the rule's own words (filters/*.ts): e.g.
 * `MachineMetadata role=db: 0 of 40 machines match; Conflicts web@*: 3 of 40 machines taken`. A rule that is
 * broken for the unit says what is wrong instead of counting machines (Kubernetes' Error, not Unschedulable).
 */
import type { MachineRecord, UnitRecord } from '@flotilla/core';
import type { PlacementCluster, PlacementConfig, PlacementState } from './types.js';

export const REASON_NO_MACHINES = 'no machines available';

/** Why a unit fits nowhere; `broken` when a rule is in error for it (a change of machines will not help). */
export interface Explanation {
  reasons: string[];
  broken?: true;
}

/** One sentence per rule that is broken or excludes at least one machine; `no machines available` for an empty cluster. */
export function explainUnplaceable(
  unit: UnitRecord,
  machines: readonly MachineRecord[],
  state: PlacementState,
  config: PlacementConfig,
  cluster: PlacementCluster,
): Explanation {
  if (machines.length === 0) return { reasons: [REASON_NO_MACHINES] };
  const reasons: string[] = [];
  let broken = false;
  for (const rule of config.filters) {
    const check = rule.prepare(unit);
    if (!check) continue;
    const error = rule.broken?.(unit, cluster);
    if (error !== undefined) {
      broken = true;
      reasons.push(`${rule.label(unit)}: ${error}`);
      continue;
    }
    const passing = machines.reduce((n, m) => n + (check(m, state).fits ? 1 : 0), 0);
    if (passing < machines.length) reasons.push(`${rule.label(unit)}: ${rule.outcome(passing, machines.length)}`);
  }
  return broken ? { reasons, broken: true } : { reasons };
}
