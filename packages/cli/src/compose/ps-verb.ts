/**
 * `compose ps`: the project's running units (a template's instances, single and global units), one row per unit
 * and machine: state, the engine's container state and health, the machine. Templates are not rows; their
 * instances are.
 */
import { unitNameInfo, type MachineRecord, type UnitRecord, type UnitStateRecord } from '@flotilla/core';
import { defineVerb } from '../commands/verb.js';
import { addComposeOptions, composeOptions } from './options.js';
import { projectUnitsOf, serviceOfUnit } from './project-units.js';
import type { ComposeOptions } from './compose-file.js';

export interface PsRow {
  unit: string;
  service: string;
  state: string;
  container: string;
  machine: string;
}

/** Pure: rows sorted by unit, then machine; a unit with no state yet shows `-`. */
export function psRows(units: readonly UnitRecord[], states: readonly UnitStateRecord[], machines: readonly MachineRecord[]): PsRow[] {
  const where = (id: string) => {
    const m = machines.find((x) => x.id === id);
    return m ? `${id.slice(0, 8)}/${m.ip}` : id.slice(0, 8);
  };
  const rows: PsRow[] = [];
  for (const u of units.filter((x) => !unitNameInfo(x.name).isTemplate)) {
    const service = serviceOfUnit(u) ?? '-';
    const mine = states.filter((s) => s.unit === u.name);
    if (mine.length === 0) rows.push({ unit: u.name, service, state: u.desiredState === 'launched' ? 'not running yet' : u.desiredState, container: '-', machine: '-' });
    for (const s of mine) {
      const c = s.container;
      const container = c ? `${c.state}${c.health ? `/${c.health}` : ''}${c.exitCode !== undefined ? `(${c.exitCode})` : ''}` : '-';
      rows.push({ unit: u.name, service, state: `${s.activeState}/${s.subState}`, container, machine: where(s.machineId) });
    }
  }
  return rows.sort((a, b) => a.unit.localeCompare(b.unit, undefined, { numeric: true }) || a.machine.localeCompare(b.machine));
}

export function renderPs(rows: readonly PsRow[]): string {
  const header: PsRow = { unit: 'UNIT', service: 'SERVICE', state: 'STATE', container: 'CONTAINER', machine: 'MACHINE' };
  const all = [header, ...rows];
  const keys = ['unit', 'service', 'state', 'container', 'machine'] as const;
  const width = keys.map((k) => Math.max(...all.map((r) => r[k].length)));
  return all.map((r) => keys.map((k, i) => (i === keys.length - 1 ? r[k] : r[k].padEnd(width[i]!))).join('  ')).join('\n') + '\n';
}

export const composePs = defineVerb<ComposeOptions, PsRow[]>({
  name: 'ps',
  args: '',
  summary: 'List the units of a compose project with their state and machine',
  examples: ['flotilla compose ps', 'flotilla compose -p shop ps'],
  configure: (cmd) => void addComposeOptions(cmd),
  parseOptions: composeOptions,
  async handler(ctx, _args, opts) {
    // Loaded on use: the yaml parser is not for other commands (cold start: docs/fleetctl-compat.md).
    const project = (await import('./project-name.js')).projectName(ctx, opts);
    const registry = await ctx.registry();
    const [units, states, machines] = await Promise.all([registry.listUnits(), registry.listStates(), registry.listMachines()]);
    return psRows(projectUnitsOf(units, project), states, machines);
  },
  render: (rows) => ({ stdout: renderPs(rows) }),
});
