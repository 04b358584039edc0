/**
 * Machine presence: a lease the etcd3 client keeps alive, and `machines/<id>` written create-only under it.
 * When the lease is lost (expired while partitioned, revoked) etcd drops the machine key and every unit
 * state published under it; `onLost` tells the agent to register again.
 */
import type { Lease } from 'etcd3';
import { DuplicateMachineError } from '../errors.js';
import type { MachineRecord } from '../model.js';
import { encodeValue } from './codec.js';
import type { RegistryContext } from './context.js';
import { mergeMetadata, readDynamicMetadata } from './machine-metadata-store.js';
import { isMachineRecord } from './record-guards.js';
import type { PresenceLease, RegisterMachineOptions } from './types.js';

export async function registerMachine(
  ctx: RegistryContext,
  machine: MachineRecord,
  ttlSec: number,
  opts: RegisterMachineOptions = {},
): Promise<PresenceLease> {
  const lease = ctx.leaseClient.lease(ttlSec, { autoKeepAlive: true });
  // A lost lease is reported through PresenceLease.onLost; keep etcd3 from emitting into the void.
  lease.on('lost', () => ctx.leases.delete(lease));
  ctx.leases.add(lease);
  try {
    return await ctx.run(`register machine ${machine.id}`, async () => {
      const leaseId = await lease.grant();
      const key = ctx.keys.machine(machine.id);
      const put = () => ctx.client.put(key).value(encodeValue(machine)).lease(leaseId);
      const takenOver = opts.takeOverLeaseId !== undefined && (await ctx.client.if(key, 'Lease', '==', opts.takeOverLeaseId).then(put()).commit()).succeeded;
      if (takenOver) {
        // Nothing is attached to the old lease but the predecessor's unit states: the agent publishes them again.
        await ctx.client.leaseClient.leaseRevoke({ ID: opts.takeOverLeaseId! }).catch(() => undefined);
      } else {
        const result = await ctx.client.if(key, 'Create', '==', 0).then(put()).commit();
        if (!result.succeeded) throw new DuplicateMachineError(machine.id);
      }
      return presenceOf(ctx, lease, leaseId);
    });
  } catch (err) {
    ctx.leases.delete(lease);
    lease.revoke().catch(() => undefined);
    throw err;
  }
}

/** Live machines, each with its dynamic metadata (PATCH /machines) merged over its own, read at one revision. */
export async function listMachines(ctx: RegistryContext): Promise<MachineRecord[]> {
  return ctx.run('list machines', async () => {
    const machines = await ctx.readPrefix(ctx.keys.machinesPrefix, isMachineRecord);
    const dynamic = await readDynamicMetadata(ctx, machines.revision);
    return machines.records.map((r) => mergeMetadata(r.value, dynamic));
  });
}

function presenceOf(ctx: RegistryContext, lease: Lease, leaseId: string): PresenceLease {
  let lostWith: Error | undefined;
  const listeners: ((err: Error) => void)[] = [];
  lease.once('lost', (err) => {
    lostWith = err;
    for (const listener of listeners.splice(0)) listener(err);
  });
  return {
    leaseId,
    onLost(listener) {
      if (lostWith) listener(lostWith);
      else listeners.push(listener);
    },
    revoke: () => {
      ctx.leases.delete(lease);
      return ctx.run(`revoke lease ${leaseId}`, () => lease.revoke());
    },
  };
}
