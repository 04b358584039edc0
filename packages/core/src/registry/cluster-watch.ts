/**
 * One watch over the contiguous key range the scheduler follows (assignments/ … units/, see keyspace.ts), so
 * events arrive in revision order across kinds. Each key is classified and its value decoded and checked;
 * corrupt values and keys naming invalid units/machines are reported and skipped. Keys of other sub-roots
 * in the range (election, dynamic machine metadata) are not cluster events here.
 */
import type { ClusterEvent, Subscription, WatchOptions } from './types.js';
import type { RegistryContext } from './context.js';
import { checkKey, checkRecord } from './record-check.js';
import { isAssignment, isMachineId, isMachineRecord, isUnitRecord } from './record-guards.js';
import { type RawEvent, openResumableWatch } from './resumable-watch.js';

export function watchCluster(ctx: RegistryContext, onEvent: (event: ClusterEvent) => void, opts: WatchOptions = {}): Promise<Subscription> {
  return openResumableWatch(ctx, {
    range: ctx.keys.clusterRange,
    ...opts,
    onEvents: (events) => {
      for (const raw of events) {
        const event = ctx.tryCheck(() => clusterEvent(ctx, raw));
        if (event) onEvent(event);
      }
    },
  });
}

/** The typed event for one raw etcd event; undefined for keys that are not cluster records. */
export function clusterEvent(ctx: RegistryContext, raw: RawEvent): ClusterEvent | undefined {
  const revision = raw.kv.mod_revision;
  if (raw.type === 'delete') {
    const parsed = checkKey(ctx.keys, raw.kv.key.toString());
    switch (parsed.kind) {
      case 'unit':
        return { kind: 'unit', type: 'delete', name: parsed.unit, revision };
      case 'machine':
        return { kind: 'machine', type: 'delete', id: parsed.machineId, revision };
      case 'schedule':
        return { kind: 'schedule', type: 'delete', unit: parsed.unit, revision };
      case 'assignment':
        return { kind: 'assignment', type: 'delete', unit: parsed.unit, machineId: parsed.machineId, revision };
      default:
        return undefined;
    }
  }
  const parsed = checkKey(ctx.keys, raw.kv.key.toString());
  switch (parsed.kind) {
    case 'unit':
      return { kind: 'unit', type: 'put', unit: checkRecord(ctx.keys, raw.kv, isUnitRecord).value, modRevision: revision, revision };
    case 'machine':
      return { kind: 'machine', type: 'put', machine: checkRecord(ctx.keys, raw.kv, isMachineRecord).value, revision };
    case 'schedule':
      return { kind: 'schedule', type: 'put', unit: parsed.unit, machineId: checkRecord(ctx.keys, raw.kv, isMachineId).value, revision };
    case 'assignment':
      return { kind: 'assignment', type: 'put', assignment: checkRecord(ctx.keys, raw.kv, isAssignment).value, revision };
    default:
      return undefined;
  }
}
