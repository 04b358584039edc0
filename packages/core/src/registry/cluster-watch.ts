/**
 * One watch over the contiguous key range the scheduler follows (assignments/ … units/, see keyspace.ts), so
 * events arrive in revision order across kinds. Each key is classified and its value decoded and checked;
 * corrupt values and keys naming invalid units/machines are reported and skipped. Machine events carry the
 * merged metadata (own + dynamic), like listMachines; a dynamic metadata change is a machine put. Election
 * keys are not cluster events.
 */
import type { ClusterEvent, Subscription, WatchOptions } from './types.js';
import type { RegistryContext } from './context.js';
import { MachineView } from './machine-view.js';
import { internAssignment, internUnitRecord } from './interned-strings.js';
import { checkKey, checkValue } from './record-check.js';
import { isAssignment, isMachineId, isUnitRecord } from './record-guards.js';
import { type RawEvent, openResumableWatch } from './resumable-watch.js';

export async function watchCluster(ctx: RegistryContext, onEvent: (event: ClusterEvent) => void, opts: WatchOptions = {}): Promise<Subscription> {
  const machines = new MachineView(ctx);
  const { fromRevision, compacted } = await ctx.run('read machines for the cluster watch', () => loadView(machines, opts.fromRevision));
  const subscription = await openResumableWatch(ctx, {
    range: ctx.keys.clusterRange,
    // The leader's follower receives every write it makes back: on the bulk port once this registry has led.
    port: await ctx.bulkPort(),
    fromRevision,
    // After a compaction the view is re-read before the caller re-reads (both then include what they missed).
    onReset: () => {
      machines.load().then(
        () => opts.onReset?.(),
        () => opts.onReset?.(),
      );
    },
    onEvents: (events) => {
      for (const raw of events) {
        const event = ctx.tryCheck(() => clusterEvent(ctx, machines, raw));
        if (event) onEvent(event);
      }
    },
  });
  if (compacted) opts.onReset?.();
  return subscription;
}

/** Loads the machine view at `fromRevision`; if etcd compacted it, at now (and the caller must reset). */
async function loadView(machines: MachineView, fromRevision: string | undefined): Promise<{ fromRevision: string; compacted: boolean }> {
  try {
    return { fromRevision: await machines.load(fromRevision), compacted: false };
  } catch (err) {
    if (fromRevision === undefined || !(err instanceof Error) || !/compacted/i.test(err.message)) throw err;
    return { fromRevision: await machines.load(), compacted: true };
  }
}

/** The typed event for one raw etcd event; undefined for keys that are not cluster records. */
export function clusterEvent(ctx: RegistryContext, machines: MachineView, raw: RawEvent): ClusterEvent | undefined {
  const revision = raw.kv.mod_revision;
  const key = raw.kv.key.toString();
  const parsed = checkKey(ctx.keys, key);
  if (raw.type === 'delete') {
    switch (parsed.kind) {
      case 'unit':
        return { kind: 'unit', type: 'delete', name: parsed.unit, revision };
      case 'machine':
        machines.deleteMachine(parsed.machineId);
        return { kind: 'machine', type: 'delete', id: parsed.machineId, revision };
      case 'schedule':
        return { kind: 'schedule', type: 'delete', unit: parsed.unit, revision };
      case 'assignment':
        return { kind: 'assignment', type: 'delete', unit: parsed.unit, machineId: parsed.machineId, revision };
      default:
        return metadataEvent(machines, raw, revision);
    }
  }
  switch (parsed.kind) {
    case 'unit':
      return { kind: 'unit', type: 'put', unit: internUnitRecord(checkValue(key, parsed, raw.kv, isUnitRecord).value), modRevision: revision, revision };
    case 'machine':
      return { kind: 'machine', type: 'put', machine: machines.putMachine(raw.kv), revision };
    case 'schedule':
      return { kind: 'schedule', type: 'put', unit: parsed.unit, machineId: checkValue(key, parsed, raw.kv, isMachineId).value, revision };
    case 'assignment':
      return { kind: 'assignment', type: 'put', assignment: internAssignment(checkValue(key, parsed, raw.kv, isAssignment).value), revision };
    default:
      return metadataEvent(machines, raw, revision);
  }
}

function metadataEvent(machines: MachineView, raw: RawEvent, revision: string): ClusterEvent | undefined {
  const machine = machines.metadataChanged(raw.type, raw.kv);
  return machine && { kind: 'machine', type: 'put', machine, revision };
}
