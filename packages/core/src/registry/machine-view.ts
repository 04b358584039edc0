/**
 * watchCluster's memory of machines, so that a machine event carries the same merged metadata that
 * listMachines and snapshot() return: the machine's own record with its dynamic metadata
 * (`machine-metadata/<id>/<key>`, fleet's PATCH /machines) laid over it. A change to either emits the merged
 * machine. Loaded once at the watch's start revision and again after a compaction reset.
 */
import type { KeyValue } from './etcd-port.js';
import type { MachineRecord } from '../model.js';
import { machineIdProblem } from '../machine-id.js';
import type { RegistryContext } from './context.js';
import { type DynamicMetadata, mergeMetadata, metadataPrefix, readDynamicMetadata } from './machine-metadata-store.js';
import { checkRecord } from './record-check.js';
import { isMachineRecord } from './record-guards.js';
import { decodeValue } from './codec.js';

const isString = (value: unknown): value is string => typeof value === 'string';

export class MachineView {
  private machines = new Map<string, MachineRecord>();
  private dynamic: DynamicMetadata = new Map();

  constructor(private readonly ctx: RegistryContext) {}

  /** Loads machines and dynamic metadata at `revision` (default: now); returns the revision read. */
  async load(revision?: string): Promise<string> {
    const machines = await this.ctx.readPrefix(this.ctx.keys.machinesPrefix, isMachineRecord, revision);
    // A read at a past revision still answers with the current revision in its header.
    const readAt = revision ?? machines.revision;
    this.dynamic = await readDynamicMetadata(this.ctx, readAt);
    this.machines = new Map(machines.records.map((r) => [r.value.id, r.value]));
    return readAt;
  }

  putMachine(kv: KeyValue): MachineRecord {
    const machine = checkRecord(this.ctx.keys, kv, isMachineRecord).value;
    this.machines.set(machine.id, machine);
    return mergeMetadata(machine, this.dynamic);
  }

  deleteMachine(id: string): void {
    this.machines.delete(id);
  }

  /** A put or delete under `machine-metadata/`: the machine it changes, merged, if that machine is live. */
  metadataChanged(type: 'put' | 'delete', kv: KeyValue): MachineRecord | undefined {
    const key = kv.key.toString();
    const prefix = metadataPrefix(this.ctx);
    if (!key.startsWith(prefix)) return undefined;
    const rest = key.slice(prefix.length);
    const slash = rest.indexOf('/');
    const id = rest.slice(0, slash);
    if (slash <= 0 || machineIdProblem(id) !== undefined) return undefined;
    const byKey = this.dynamic.get(id) ?? new Map<string, string>();
    if (type === 'put') byKey.set(rest.slice(slash + 1), decodeValue(key, kv.value, isString));
    else byKey.delete(rest.slice(slash + 1));
    this.dynamic.set(id, byKey);
    const machine = this.machines.get(id);
    return machine && mergeMetadata(machine, this.dynamic);
  }
}
