/**
 * `plan UNIT...`: where each unit is or would go if the scheduler ran a pass now, and for a unit that fits
 * nowhere, every rule in the way with counts. Read-only: one registry snapshot, the scheduler's own pure
 * planner, no writes. Exits 1 when any named unit is unknown or unschedulable (scripts can gate on it).
 */
import { mangleUnitName } from '@flotilla/core';
import type { UnitPlan } from '@flotilla/scheduler';
import { renderTable } from '../render/table.js';
import { FlotillaError } from '@flotilla/core';
import { defineVerb } from './verb.js';

const SHOWN_GLOBAL_MACHINES = 5;

export const plan = defineVerb<Record<string, never>, UnitPlan[]>({
  name: 'plan',
  args: '[unit...]',
  summary: 'Show where units would be placed, and why not, without changing anything',
  examples: ['flotilla plan web@1.service', 'flotilla plan db.service web@1 web@2'],
  parseOptions: () => ({}),
  async handler(ctx, args) {
    if (args.length === 0) throw new FlotillaError('CLI_USAGE', 'One or more units must be provided');
    const snapshot = await (await ctx.registry()).snapshot();
    // Loaded here, not at start: only `plan` needs the scheduler (cold start: docs/fleetctl-compat.md).
    const { planUnits } = await import('@flotilla/scheduler');
    return planUnits(snapshot, args.map((a) => mangleUnitName(a)));
  },
  render(plans) {
    const rows = [['UNIT', 'MACHINE', 'WHY'], ...plans.map(row)];
    const failed = plans.some((p) => p.kind === 'unknown' || p.kind === 'unschedulable');
    return { stdout: renderTable(rows), ...(failed ? { exitCode: 1 } : {}) };
  },
});

function row(p: UnitPlan): string[] {
  switch (p.kind) {
    case 'unknown':
      return [p.unit, '-', 'unit does not exist'];
    case 'not-placed':
      return [p.unit, '-', p.reason];
    case 'stays':
      return [p.unit, p.machineId, 'scheduled there'];
    case 'moves':
      return [p.unit, p.machineId, `would move from ${p.from}: ${p.reason}`];
    case 'placed':
      return [p.unit, p.machineId, 'would be placed there'];
    case 'unschedulable':
      return [p.unit, '-', p.reasons.join('; ')];
    case 'global': {
      const shown = p.machineIds.slice(0, SHOWN_GLOBAL_MACHINES).join(',');
      const more = p.machineIds.length > SHOWN_GLOBAL_MACHINES ? ',…' : '';
      return [p.unit, `${shown}${more}` || '-', `global: on ${p.machineIds.length} of ${p.machines} machines`];
    }
  }
}
