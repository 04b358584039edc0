/**
 * `status [--ssh-port N] UNIT...`: `systemctl status` of each unit, from the agent that runs it, over its API
 * (`/v2/units/<n>/status`): no ssh. A blank line separates units. Missing → `Unit <n> does not exist.`;
 * nobody reports it → `Unit <n> does not appear to be loaded.` (both exit 1, as fleetctl). Global units show
 * the status on every machine that runs them (fleetctl showed nothing for them).
 */
import { Option } from 'commander';
import { mangleUnitName, type MachineRecord } from '@flotilla/core';
import { googleApiError } from '../api/transport.js';
import { unitDoesNotExist } from '../cli-errors.js';
import { agentEndpoint, agentTransport, reportingMachines } from '../units/agent-api.js';
import { defineVerb, type CommandContext } from './verb.js';

async function statusOn(ctx: CommandContext, unit: string, machineId: string, machines: Map<string, MachineRecord>): Promise<string> {
  const http = agentTransport(agentEndpoint(machineId, machines.get(machineId), ctx.globals), ctx.globals);
  try {
    const reply = await http.send('GET', `/v2/units/${encodeURIComponent(unit)}/status`);
    if (reply.status !== 200) throw googleApiError(reply.status, reply.body);
    return reply.body.endsWith('\n') || reply.body === '' ? reply.body : `${reply.body}\n`;
  } finally {
    http.close();
  }
}

export const status = defineVerb<Record<string, never>, string[]>({
  name: 'status',
  args: '[units...]',
  summary: 'Output the status of one or more units in the cluster (from the agent that runs them)',
  examples: ['flotilla status hello.service', 'flotilla status web@1 web@2'],
  configure(cmd) {
    cmd.addOption(new Option('--ssh-port <port>', 'accepted for fleetctl compatibility; status uses the agent API').hideHelp());
  },
  parseOptions: () => ({}),
  async handler(ctx, args) {
    if (args.length === 0) {
      ctx.emit({ kind: 'no-units' });
      return [];
    }
    const registry = await ctx.registry();
    const machines = new Map((await registry.listMachines()).map((m) => [m.id, m]));
    const blocks: string[] = [];
    for (const arg of args) {
      const name = mangleUnitName(arg);
      const unit = await registry.getUnit(name);
      if (!unit) throw unitDoesNotExist(name);
      for (const machineId of reportingMachines(unit, await registry.getStates(name))) {
        blocks.push(await statusOn(ctx, name, machineId, machines));
      }
    }
    return blocks;
  },
  render: (blocks) => ({ stdout: blocks.join('\n') }),
});
