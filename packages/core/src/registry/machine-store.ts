/**
 * Machine presence: a lease this process keeps alive (lease.ts), and `machines/<id>` written create-only under it.
 * When the lease is lost (expired while partitioned, revoked) etcd drops the machine key and every unit
 * state published under it; `onLost` tells the agent to register again.
 */
import { DuplicateMachineError, LeaseLostError } from '../errors.js';
import type { MachineRecord } from '../model.js';
import { encodeValue } from './codec.js';
import type { RegistryContext } from './context.js';
import { is, op } from './kv-ops.js';
import { KeptLease } from './lease.js';
import { mergeMetadata, readDynamicMetadata } from './machine-metadata-store.js';
import { isMachineRecord } from './record-guards.js';
import type { PresenceLease, RegisterMachineOptions } from './types.js';

export async function registerMachine(
  ctx: RegistryContext,
  machine: MachineRecord,
  ttlSec: number,
  opts: RegisterMachineOptions = {},
): Promise<PresenceLease> {
  let lease: KeptLease | undefined;
  let abandoned = false;
  try {
    return await ctx.run(`register machine ${machine.id}`, async () => {
      lease = await KeptLease.grant(ctx.leasePort, ttlSec);
      // A grant that answers after the deadline must not keep a lease alive for nobody.
      if (abandoned) lease.revoke().catch(() => undefined);
      ctx.leases.add(lease);
      const key = ctx.keys.machine(machine.id);
      const put = op.put(key, encodeValue(machine), lease.id);
      const takenOver = opts.takeOverLeaseId !== undefined && (await ctx.txn([is.leasedBy(key, opts.takeOverLeaseId)], [put])).succeeded;
      if (takenOver) {
        // Nothing is attached to the old lease but the predecessor's unit states: the agent publishes them again.
        await ctx.leasePort.leaseRevoke(opts.takeOverLeaseId!).catch(() => undefined);
      } else {
        const result = await ctx.txn([is.absent(key)], [put]);
        if (!result.succeeded) throw new DuplicateMachineError(machine.id);
      }
      return presenceOf(ctx, lease, takenOver);
    }, () => (abandoned = true));
  } catch (err) {
    const granted = lease as KeptLease | undefined;
    if (granted) {
      ctx.leases.delete(granted);
      granted.revoke().catch(() => undefined);
    }
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

function presenceOf(ctx: RegistryContext, lease: KeptLease, takenOver: boolean): PresenceLease {
  lease.onLost(() => ctx.leases.delete(lease));
  return {
    leaseId: lease.id,
    takenOver,
    release: () => {
      ctx.leases.delete(lease);
      lease.release();
    },
    onLost: (listener) => lease.onLost(listener),
    revoke: () => {
      ctx.leases.delete(lease);
      return ctx.run(`revoke lease ${lease.id}`, () => lease.revoke());
    },
  };
}

/**
 * Rewrites `machines/<id>` (a reload changed its metadata or IP) under the same lease, only while the key is still
 * attached to that lease: a key the agent lost (expired, or taken over by a newer agent process) is never
 * brought back, since that would resurrect a machine the scheduler already counts as gone.
 */
export async function updateMachine(ctx: RegistryContext, machine: MachineRecord, lease: PresenceLease): Promise<void> {
  await ctx.run(`update machine ${machine.id}`, async () => {
    const key = ctx.keys.machine(machine.id);
    const result = await ctx.txn([is.leasedBy(key, lease.leaseId)], [op.put(key, encodeValue(machine), lease.leaseId)]);
    if (!result.succeeded) throw new LeaseLostError(lease.leaseId, `${key} is no longer attached to it`);
  });
}
