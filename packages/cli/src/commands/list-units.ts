/** `list-units`: one row per published unit state (as fleet's `fleetctl/list_units.go`). */
import type { MachineRecord, UnitStateRecord } from '@flotilla/core';
import { duringStep } from '../cli-errors.js';
import { unitStateJson } from '../render/json.js';
import { renderList, type ListFormat } from '../render/list.js';
import { DEFAULT_UNIT_STATE_FIELDS, UNIT_STATE_FIELDS, type UnitStateRow } from '../render/list-units.js';
import { compareNames } from '../units/current-state.js';
import { addListOptions, LIST_UNITS_STEP, parseListOptions } from './list-options.js';
import { defineVerb } from './verb.js';

/** Sorted by unit name, then machine ID, each joined with its machine (for the IP). */
export function unitStateRows(states: readonly UnitStateRecord[], machines: readonly MachineRecord[]): UnitStateRow[] {
  const byId = new Map(machines.map((m) => [m.id, m]));
  return [...states]
    .sort((a, b) => compareNames(a.unit, b.unit) || compareNames(a.machineId, b.machineId))
    .map((state) => {
      const machine = byId.get(state.machineId);
      return machine ? { state, machine } : { state };
    });
}

export const listUnits = defineVerb<ListFormat, UnitStateRow[]>({
  name: 'list-units',
  args: '',
  summary: 'List the current state of units in the cluster',
  examples: ['flotilla list-units', 'flotilla list-units --fields unit,machine,load,hash --full --no-legend'],
  configure: (cmd) => addListOptions(cmd, DEFAULT_UNIT_STATE_FIELDS, true),
  parseOptions: (raw) => parseListOptions(raw, UNIT_STATE_FIELDS),
  handler: (ctx) => duringStep(LIST_UNITS_STEP, async () => {
    const registry = await ctx.registry();
    const [states, machines] = await Promise.all([registry.listStates(), registry.listMachines()]);
    return unitStateRows(states, machines);
  }),
  render: (rows, format) => ({ stdout: renderList(rows, UNIT_STATE_FIELDS, format, unitStateJson) }),
});
