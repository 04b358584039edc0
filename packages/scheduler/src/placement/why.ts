/**
 * "Why can't this unit go anywhere", per rule, in the unit's own terms: each rule that applies is checked on
 * every machine on its own (not first-failure), so the user sees every obstacle at once, e.g.
 * `MachineMetadata role=db: 0 of 40 machines match; Conflicts web@*: 3 of 40 machines taken`.
 */
import type { MachineRecord, UnitRecord } from '@flotilla/core';
import { CONFLICTS_FILTER } from './filters/conflicts.js';
import { MACHINE_ID_FILTER } from './filters/machine-id.js';
import { MACHINE_OF_FILTER } from './filters/machine-of.js';
import { METADATA_FILTER } from './filters/metadata.js';
import { RESOURCES_FILTER } from './filters/resources.js';
import { requirementsOf } from './requirements.js';
import { requestsOf } from './resources.js';
import type { PlacementConfig, PlacementState } from './types.js';

interface Wording {
  /** What the unit asks, e.g. `MachineMetadata role=db`. */
  label(unit: UnitRecord): string;
  /** `passing` machines of `total`, e.g. `0 of 40 machines match`. */
  outcome(passing: number, failing: number, total: number): string;
}

const of = (n: number, total: number) => `${n} of ${total} ${total === 1 ? 'machine' : 'machines'}`;

const WORDING: Record<string, Wording> = {
  [MACHINE_ID_FILTER]: { label: (u) => `MachineID ${requirementsOf(u).machineId ?? ''}`, outcome: (p, _f, t) => `${of(p, t)} match` },
  [METADATA_FILTER]: {
    label: (u) => `MachineMetadata ${Object.entries(requirementsOf(u).metadata).map(([k, vs]) => vs.map((v) => `${k}=${v}`).join('|')).join(' ')}`,
    outcome: (p, _f, t) => `${of(p, t)} match`,
  },
  [MACHINE_OF_FILTER]: { label: (u) => `MachineOf ${requirementsOf(u).machineOf.join(' ')}`, outcome: (p, _f, t) => `peers on ${of(p, t)}` },
  [CONFLICTS_FILTER]: {
    label: (u) => (requirementsOf(u).conflicts.length > 0 ? `Conflicts ${requirementsOf(u).conflicts.join(' ')}` : 'Conflicts (declared by units there)'),
    outcome: (_p, f, t) => `${of(f, t)} taken`,
  },
  [RESOURCES_FILTER]: {
    label: (u) => `Resources ${formatRequests(u)}`,
    outcome: (p, _f, t) => `${of(p, t)} have room`,
  },
};

function formatRequests(unit: UnitRecord): string {
  const { cpuMillis, memoryBytes } = requestsOf(unit);
  const parts = [];
  if (memoryBytes > 0) parts.push(`MemoryMax=${Math.round(memoryBytes / 1024 ** 2)}M`);
  if (cpuMillis > 0) parts.push(`CPUQuota=${cpuMillis / 10}%`);
  return parts.join(' ');
}

/** One sentence per rule that excludes at least one machine; `no machines available` for an empty cluster. */
export function whyUnschedulable(unit: UnitRecord, machines: readonly MachineRecord[], state: PlacementState, config: PlacementConfig): string[] {
  if (machines.length === 0) return ['no machines available'];
  const reasons: string[] = [];
  for (const rule of config.filters) {
    const check = rule.prepare(unit);
    if (!check) continue;
    const failing = machines.filter((m) => !check(m, state).fits).length;
    if (failing === 0) continue;
    const wording = WORDING[rule.name];
    const label = wording ? wording.label(unit) : rule.name;
    const outcome = wording ? wording.outcome(machines.length - failing, failing, machines.length) : `${of(failing, machines.length)} excluded`;
    reasons.push(`${label}: ${outcome}`);
  }
  return reasons;
}
