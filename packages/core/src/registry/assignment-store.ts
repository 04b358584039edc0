/**
 * Assignments, as each agent reads and watches them: only its own `assignments/<machineId>/` prefix. A list
 * carries the revision it was read at, and the watch starts right after it, so an agent can hold its desired
 * state without ever polling etcd (docs/registry.md, "Quiet agents").
 */
import { assertValidMachineId } from '../machine-id.js';
import type { Assignment } from '../model.js';
import type { RegistryContext } from './context.js';
import { isAssignment } from './record-guards.js';
import type { Subscription, WatchEvent, WatchOptions } from './types.js';
import { watchPrefix } from './watch.js';

export async function listAssignments(ctx: RegistryContext, machineId: string): Promise<Assignment[]> {
  return (await assignmentsAt(ctx, machineId)).assignments;
}

/** One read of the machine's assignments, with the etcd revision of that read. */
export async function assignmentsAt(ctx: RegistryContext, machineId: string): Promise<{ assignments: Assignment[]; revision: string }> {
  assertValidMachineId(machineId);
  return ctx.run(`list assignments of ${machineId}`, async () => {
    const { records, revision } = await ctx.readPrefix(ctx.keys.assignmentsOf(machineId), isAssignment);
    return { assignments: records.map((r) => r.value), revision };
  });
}

/** Event keys are unit names. With `fromRevision`, events start right after it. */
export async function watchAssignments(
  ctx: RegistryContext,
  machineId: string,
  onEvent: (event: WatchEvent<Assignment>) => void,
  opts: WatchOptions = {},
): Promise<Subscription> {
  assertValidMachineId(machineId);
  return watchPrefix(ctx, ctx.keys.assignmentsOf(machineId), isAssignment, onEvent, opts);
}
