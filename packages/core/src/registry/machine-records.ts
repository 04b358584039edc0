/**
 * What an agent publishes about one unit on its machine (`<root><unit>/<machineId>`: unit states, endpoints):
 * written under the agent's presence lease, so a dead machine's records vanish with its lease.
 */
import { assertValidMachineId } from '../machine-id.js';
import { assertValidUnitName } from '../unit/name.js';
import { encodeValue } from './codec.js';
import type { RegistryContext } from './context.js';
import type { RecordGuard } from './record-guards.js';
import type { PresenceLease } from './types.js';

/** Where a kind of record lives, and its name in error messages (`publish <what> of <unit>`). */
export interface MachineRecordKind {
  what: string;
  key(unitName: string, machineId: string): string;
}

/** `check` runs once the names are known valid, before anything is written. */
export async function publishMachineRecord<T extends { unit: string; machineId: string }>(
  ctx: RegistryContext, kind: MachineRecordKind, record: T, lease: PresenceLease, check: (record: T) => void = () => undefined,
): Promise<void> {
  assertValidUnitName(record.unit);
  assertValidMachineId(record.machineId);
  check(record);
  return ctx.run(`publish ${kind.what} of ${record.unit}`, async () => {
    await ctx.port.put({ key: Buffer.from(kind.key(record.unit, record.machineId)), value: encodeValue(record), lease: lease.leaseId });
  });
}

export async function removeMachineRecord(ctx: RegistryContext, kind: MachineRecordKind, unitName: string, machineId: string): Promise<void> {
  assertValidUnitName(unitName);
  assertValidMachineId(machineId);
  return ctx.run(`remove ${kind.what} of ${unitName}`, async () => {
    await ctx.port.deleteRange({ key: Buffer.from(kind.key(unitName, machineId)) });
  });
}

/** The records under `prefix` that `guard` accepts. */
export async function readValues<T>(ctx: RegistryContext, prefix: string, guard: RecordGuard<T>): Promise<T[]> {
  return (await ctx.readPrefix(prefix, guard)).records.map((r) => r.value);
}
