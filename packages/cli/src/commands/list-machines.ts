/** `list-machines`: one row per live machine, sorted by ID (as fleetctl), with its scheduling state. */
import { machinesListFailed } from '../cli-errors.js';
import { readMachineRows, type MachineRow } from '../machines/states.js';
import { machineJson } from '../render/json.js';
import { renderList, type ListFormat } from '../render/list.js';
import { DEFAULT_MACHINE_FIELDS, MACHINE_FIELDS } from '../render/list-machines.js';
import { addListOptions, parseListOptions } from './list-options.js';
import { defineVerb } from './verb.js';

export const listMachines = defineVerb<ListFormat, MachineRow[]>({
  name: 'list-machines',
  args: '',
  summary: 'Enumerate the current hosts in the cluster',
  examples: ['flotilla list-machines', 'flotilla list-machines --fields machine,metadata --full', 'flotilla list-machines --fields machine,ip,state'],
  configure: (cmd) => addListOptions(cmd, DEFAULT_MACHINE_FIELDS, true),
  parseOptions: (raw) => parseListOptions(raw, MACHINE_FIELDS),
  async handler(ctx) {
    try {
      return await readMachineRows(await ctx.registry());
    } catch (err) {
      throw machinesListFailed(err);
    }
  },
  render: (machines, format) => ({ stdout: renderList(machines, MACHINE_FIELDS, format, machineJson) }),
});
