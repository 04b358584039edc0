/**
 * The registry's layout (docs/registry.md, "One write per placement"). Layout 1: a placement is two keys,
 * `schedule/<unit>` and the machine's assignment. Layout 2: the assignment alone, marked `placed`. Readers read
 * both (a `schedule/` key if the unit has one, else its placed assignment), so only the leader's placement writes
 * depend on the layout, and each of its transactions compares the marker it believes in: a leader that read
 * layout 1 cannot write after the cluster moved to 2.
 */
import type { MachineRecord, RegistryLayout } from '../model.js';
import { decodeValue, encodeValue } from './codec.js';
import type { RegistryContext } from './context.js';
import type { Compare } from './etcd-port.js';
import type { Keyspace } from './keyspace.js';
import type { ClusterEvent } from './types.js';
import { is } from './kv-ops.js';

export type { RegistryLayout } from '../model.js';

/** The layout this code writes once every live machine can lead under it. */
export const NEWEST_LAYOUT: RegistryLayout = 2;

const isLayoutValue = (v: unknown): v is number => v === 2;

/** The layout at `revision` (now if absent): the marker's value, 1 without one. A marker with another value is a
 * newer layout this code cannot read: CorruptRecordError, so this daemon neither plans nor writes from it. */
export async function readLayout(ctx: RegistryContext, revision?: string): Promise<RegistryLayout> {
  const kv = await ctx.get(ctx.keys.layout, revision);
  if (!kv) return 1;
  decodeValue(ctx.keys.layout, kv.value, isLayoutValue);
  return 2;
}

/** The compare that holds only while the registry is at `layout`. */
export function layoutIs(keys: Keyspace, layout: RegistryLayout): Compare {
  return layout === 1 ? is.absent(keys.layout) : is.holding(keys.layout, layoutMarker(layout));
}

/** The value the marker holds at layout 2. */
export function layoutMarker(layout: RegistryLayout): Buffer {
  return encodeValue(layout);
}

/** Whether `machine`'s daemon can lead under `layout` (a daemon before layout 2 does not say: 1). */
export function canLead(machine: Pick<MachineRecord, 'layout'>, layout: RegistryLayout): boolean {
  return (machine.layout ?? 1) >= layout;
}

/**
 * The schedule change a cluster event makes, given the unit's schedule entry before it (`scheduledOn`), read the
 * same in both layouts: a `schedule/` key's put or delete; a placed assignment's put when the unit has no entry (a
 * second one is a stray, as the snapshot reads it); the delete of the assignment an entry names. `machineId`
 * undefined: the entry goes. Undefined: no change. The leader's cache and the placement timer apply it to events.
 */
export function scheduleChangeOf(event: ClusterEvent, scheduledOn: (unit: string) => string | undefined): { unit: string; machineId: string | undefined } | undefined {
  if (event.kind === 'schedule') return { unit: event.unit, machineId: event.type === 'put' ? event.machineId : undefined };
  if (event.kind !== 'assignment') return undefined;
  if (event.type === 'put') {
    const a = event.assignment;
    return a.placed === true && scheduledOn(a.unit) === undefined ? { unit: a.unit, machineId: a.machineId } : undefined;
  }
  return scheduledOn(event.unit) === event.machineId ? { unit: event.unit, machineId: undefined } : undefined;
}
