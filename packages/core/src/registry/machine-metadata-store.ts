/**
 * Dynamic machine metadata (fleet's `PATCH /fleet/v1/machines`, `api/machines.go`): `machine-metadata/<id>/<key>`
 * holds a msgpack string, written without a lease so it survives the machine leaving and rejoining. Removing a key
 * writes the empty string, a tombstone that also hides a key the machine published itself (fleet's rule). The
 * prefix sits beside `machines/`, never under it, so machine listings never see these keys.
 */
import { isReservedMetadataKey } from '../machine-lifecycle.js';
import type { MachineCordon, MachineRecord } from '../model.js';
import { keyedRecord } from '../user-keys.js';
import { encodeValue } from './codec.js';
import type { RegistryContext } from './context.js';
import { op } from './kv-ops.js';
import type { RecordGuard } from './record-guards.js';
import type { MachineMetadataOp } from './types.js';

/** At most this many puts per etcd transaction (etcd's default --max-txn-ops is 128). */
const OPS_PER_TXN = 128;

const isString: RecordGuard<string> = (value): value is string => typeof value === 'string';

/** machine id → key → value ('' = removed). */
export type DynamicMetadata = Map<string, Map<string, string>>;

/** `machine-metadata/` beside `machines/` (so it also falls inside the keyspace's cluster watch range). */
export function metadataPrefix(ctx: RegistryContext): string {
  return ctx.keys.machinesPrefix.replace(/machines\/$/, 'machine-metadata/');
}

function metadataKey(ctx: RegistryContext, machineId: string, key: string): string {
  return `${metadataPrefix(ctx)}${machineId}/${key}`;
}

/** Applies the ops in order, in transactions of up to 128 puts (a failure leaves earlier batches applied, as fleet). */
export function patchMachineMetadata(ctx: RegistryContext, ops: readonly MachineMetadataOp[]): Promise<void> {
  for (const op of ops) {
    if (op.machineId === '' || op.machineId.includes('/') || !/^[A-Za-z0-9_.-]+$/.test(op.key)) {
      throw new RangeError(`patchMachineMetadata: invalid machine id or key in ${JSON.stringify(op)}`);
    }
  }
  return ctx.run('patch machine metadata', async () => {
    for (let i = 0; i < ops.length; i += OPS_PER_TXN) {
      const puts = ops
        .slice(i, i + OPS_PER_TXN)
        .map((o) => op.put(metadataKey(ctx, o.machineId, o.key), encodeValue(o.value ?? '')));
      await ctx.txn([], puts);
    }
  });
}

/** Every dynamic key, optionally at a past revision (to pair with a snapshot). */
export async function readDynamicMetadata(ctx: RegistryContext, revision?: string): Promise<DynamicMetadata> {
  const prefix = metadataPrefix(ctx);
  const { records } = await ctx.readPrefix(prefix, isString, revision);
  const out: DynamicMetadata = new Map();
  for (const r of records) {
    const rest = r.key.slice(prefix.length);
    const slash = rest.indexOf('/');
    if (slash <= 0) continue;
    const id = rest.slice(0, slash);
    const byKey = out.get(id) ?? new Map<string, string>();
    byKey.set(rest.slice(slash + 1), r.value);
    out.set(id, byKey);
  }
  return out;
}

/**
 * The dynamic key that holds an operator's cordon/drain (JSON of MachineCordon; '' = none). It lives beside the
 * dynamic metadata so that it shares its life (no lease: it survives the machine leaving) and its path to the
 * scheduler (snapshot, cluster watch); it is never part of `metadata`, and the API refuses to PATCH it.
 */
export const CORDON_KEY = '_flotilla.cordon';

/** Keys of the dynamic-metadata space that users may not set through PATCH /machines (defined in the light
 * machine-lifecycle module, which the API and CLI import without loading the registry). */
export { isReservedMetadataKey };

/** Sets or (undefined) clears a machine's cordon. */
export function setMachineCordon(ctx: RegistryContext, machineId: string, cordon: MachineCordon | undefined): Promise<void> {
  return patchMachineMetadata(ctx, [{ machineId, key: CORDON_KEY, value: cordon ? JSON.stringify(cordon) : '' }]);
}

/** The stored cordon, or undefined for '' or a value that is not one (a corrupt value never cordons). Pure. */
export function parseCordon(text: string | undefined): MachineCordon | undefined {
  if (!text) return undefined;
  try {
    const value = JSON.parse(text) as Partial<MachineCordon>;
    if (typeof value !== 'object' || value === null || typeof value.since !== 'number') return undefined;
    const drain = value.drain;
    if (drain === undefined) return { since: value.since };
    if (typeof drain !== 'object' || drain === null || typeof drain.startedAt !== 'number') return { since: value.since };
    const deadlineAt = typeof drain.deadlineAt === 'number' ? { deadlineAt: drain.deadlineAt } : {};
    return { since: value.since, drain: { startedAt: drain.startedAt, ...deadlineAt } };
  } catch {
    return undefined;
  }
}

/** The machine's own metadata with its dynamic keys laid over it; a dynamic '' deletes the key. The reserved
 * cordon key becomes `cordon`, never metadata. Pure. */
export function mergeMetadata(machine: MachineRecord, dynamic: DynamicMetadata): MachineRecord {
  const overlay = dynamic.get(machine.id);
  if (!overlay || overlay.size === 0) return machine;
  const metadata = keyedRecord(Object.entries(machine.metadata)); // PATCH takes any key, `__proto__` too
  for (const [key, value] of overlay) {
    if (isReservedMetadataKey(key)) continue;
    if (value === '') delete metadata[key];
    else metadata[key] = value;
  }
  const cordon = parseCordon(overlay.get(CORDON_KEY));
  const { cordon: _own, ...rest } = machine;
  return cordon ? { ...rest, metadata, cordon } : { ...rest, metadata };
}
