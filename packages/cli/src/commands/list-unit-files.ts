/** `list-unit-files`: one row per submitted unit, sorted by name (as fleet's `fleetctl/list_unit_files.go`). */
import { planScale, scaleTemplateParts, type ClusterSnapshot, type ServiceRecord, type UnitStateRecord } from '@flotilla/core';
import { duringStep } from '../cli-errors.js';
import { unitFileJson } from '../render/json.js';
import { renderList, type ListFormat } from '../render/list.js';
import {
  DEFAULT_UNIT_FILE_FIELDS,
  TMACHINE_WARNING,
  UNIT_FILE_FIELDS,
  type UnitFileRow,
} from '../render/list-unit-files.js';
import { compareNames, currentState, statesByUnit } from '../units/current-state.js';
import { addListOptions, LIST_UNITS_STEP, parseListOptions } from './list-options.js';
import { defineVerb } from './verb.js';

type Snapshot = Pick<ClusterSnapshot, 'units' | 'machines' | 'schedule'>;

/** A service's count and how many of its instances 1..count are launched (fleet's current state). */
function serviceRow(service: ServiceRecord, current: (unit: string) => string): { count: number; running: number } {
  const parts = scaleTemplateParts(service.template);
  const wanted = parts ? planScale({ dir: '', ...parts }, service.count, []).wanted : [];
  return { count: service.count, running: wanted.filter((u) => current(u) === 'launched').length };
}

export function unitFileRows(snapshot: Snapshot, states: readonly UnitStateRecord[], services: readonly ServiceRecord[] = []): UnitFileRow[] {
  const machines = new Map(snapshot.machines.map((m) => [m.id, m]));
  const byUnit = statesByUnit(states);
  const current = (unit: string) => currentState(byUnit.get(unit) ?? []);
  const byTemplate = new Map(services.map((s) => [s.template, serviceRow(s, current)]));
  return [...snapshot.units]
    .sort((a, b) => compareNames(a.name, b.name))
    .map((unit) => {
      const row: UnitFileRow = { unit, current: current(unit.name) };
      const service = byTemplate.get(unit.name);
      if (service) row.service = service;
      const machineId = snapshot.schedule.get(unit.name);
      if (machineId) row.machineId = machineId;
      const machine = machineId ? machines.get(machineId) : undefined;
      if (machine) row.machine = machine;
      return row;
    });
}

export const listUnitFiles = defineVerb<ListFormat, UnitFileRow[]>({
  name: 'list-unit-files',
  args: '',
  summary: 'List the units that exist in the cluster',
  examples: ['flotilla list-unit-files', 'flotilla list-unit-files --fields unit,dstate,desc --no-legend'],
  configure: (cmd) => addListOptions(cmd, DEFAULT_UNIT_FILE_FIELDS, false),
  parseOptions: (raw) => parseListOptions(raw, UNIT_FILE_FIELDS),
  handler: (ctx) => duringStep(LIST_UNITS_STEP, async () => {
    const registry = await ctx.registry();
    const [snapshot, states, services] = await Promise.all([registry.snapshot(), registry.listStates(), registry.listServices()]);
    return unitFileRows(snapshot, states, services);
  }),
  render: (rows, format) => ({
    stdout: renderList(rows, UNIT_FILE_FIELDS, format, unitFileJson),
    ...(format.fields.includes('tmachine') ? { stderr: `${TMACHINE_WARNING}\n` } : {}),
  }),
});
