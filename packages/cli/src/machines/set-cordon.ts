/**
 * The write behind `cordon`, `uncordon` and `drain`: every named machine is resolved before the first write (an
 * ambiguous or unknown one leaves the cluster untouched, as every other verb), the new cordon comes from core's
 * nextCordon, and nothing is written when it would not change. Both drivers: the registry's setMachineCordon,
 * which the API driver turns into `PUT`/`DELETE /v2/machines/<id>/cordon`.
 */
import { nextCordon, type CordonRequest, type MachineAdmin, type MachineCordon, type MachineDirectory, type MachineRecord } from '@flotilla/core';
import { resolveMachine } from './resolve.js';

export interface CordonChange {
  machine: MachineRecord;
  before: MachineCordon | undefined;
  after: MachineCordon | undefined;
}

/** `request` undefined = uncordon. */
export async function changeCordons(registry: MachineDirectory & Pick<MachineAdmin, 'setMachineCordon'>, args: readonly string[], request: CordonRequest | undefined, now: number): Promise<CordonChange[]> {
  const machines = await registry.listMachines();
  const changes = args.map((arg): CordonChange => {
    const machine = resolveMachine(machines, arg);
    return { machine, before: machine.cordon, after: request ? nextCordon(machine.cordon, request, now) : undefined };
  });
  for (const c of changes) {
    if (JSON.stringify(c.before) !== JSON.stringify(c.after)) await registry.setMachineCordon(c.machine.id, c.after);
  }
  return changes;
}
