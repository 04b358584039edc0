/**
 * Writes a simulated cluster straight into the registry's keyspace, in 100-put transactions, 8 in flight
 * (one registerMachine or submitUnit per record would take minutes at 100,000): machines in groups that share
 * one lease each (revoking a group's lease loses all its machines at once, like a rack going dark), and units.
 */
import { makeUnitRecord, NEWEST_LAYOUT, type Keyspace, type MachineCapacity, type MachineRecord, type UnitRecord, type UnitSpec } from '@flotilla/core';
import { Range, type Etcd3 } from 'etcd3';
import { encodeValue } from '../../packages/core/src/registry/codec.js';

const TXN_PUTS = 100;

/** The registry layout the simulated machines' daemons can lead under (docs/registry.md, "One write per placement"):
 * BENCH_REGISTRY_LAYOUT=1 seeds machines that cannot lead layout 2, so the leader keeps writing two keys per
 * placement (the side-by-side figure); default: what this build's daemons say. */
const LAYOUT = process.env.BENCH_REGISTRY_LAYOUT === '1' ? {} : { layout: NEWEST_LAYOUT };
const IN_FLIGHT = 8;

export async function putAll(client: Etcd3, entries: { key: string; value: Buffer; lease?: string }[]): Promise<void> {
  const batches: (typeof entries)[] = [];
  for (let i = 0; i < entries.length; i += TXN_PUTS) batches.push(entries.slice(i, i + TXN_PUTS));
  const worker = async () => {
    for (let batch = batches.shift(); batch; batch = batches.shift()) {
      const puts = batch.map((e) => (e.lease ? client.put(e.key).value(e.value).lease(e.lease) : client.put(e.key).value(e.value)));
      await client.if(batch[0]!.key, 'Create', '>', -1).then(...puts).commit();
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
}

export function benchMachine(i: number, capacity: MachineCapacity | undefined): MachineRecord {
  const id = `m${String(i).padStart(5, '0')}`;
  return {
    id,
    hostname: `host-${id}`,
    ip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
    metadata: { disk: i % 5 === 0 ? 'ssd' : 'hdd', rack: `r${i % 40}` },
    version: 'bench',
    startedAt: Date.now(),
    ...LAYOUT,
    ...(capacity ? { capacity } : {}),
  };
}

/** Machines in groups of `groupSize`, each group under its own lease; returns the lease ids in group order. */
export async function seedMachines(client: Etcd3, keys: Keyspace, machines: MachineRecord[], groupSize: number, ttlSec: number) {
  const leases = [];
  const entries = [];
  for (let g = 0; g * groupSize < machines.length; g++) {
    const lease = client.lease(ttlSec, { autoKeepAlive: true });
    const id = await lease.grant();
    leases.push({ lease, id, machines: machines.slice(g * groupSize, (g + 1) * groupSize) });
    for (const m of machines.slice(g * groupSize, (g + 1) * groupSize)) entries.push({ key: keys.machine(m.id), value: encodeValue(m), lease: id });
  }
  await putAll(client, entries);
  return leases;
}

export function spec(name: string, extra: [string, string, string][] = []): UnitSpec {
  return {
    name,
    options: [
      { section: 'Unit', name: 'Description', value: name },
      { section: 'Service', name: 'ExecStart', value: '/bin/sleep infinity' },
      ...extra.map(([section, n, value]) => ({ section, name: n, value })),
    ],
  };
}

export async function seedUnits(client: Etcd3, keys: Keyspace, specs: UnitSpec[]): Promise<UnitRecord[]> {
  const records = specs.map((s) => makeUnitRecord(s, 'launched'));
  await putAll(client, records.map((r) => ({ key: keys.unit(r.name), value: encodeValue(r) })));
  return records;
}

/** Every key → value (as latin1 text) under `prefix`, 2,000 keys per request (gRPC caps a message at 4 MB). */
export async function readAll(client: Etcd3, prefix: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const end = Range.prefix(prefix).end;
  let start = Buffer.from(prefix);
  for (;;) {
    const res = await client.getAll().inRange(new Range(start, end)).limit(2000).exec();
    for (const kv of res.kvs) out.set(kv.key.toString(), kv.value.toString('latin1'));
    const last = res.kvs[res.kvs.length - 1];
    if (!res.more || !last) return out;
    start = Buffer.concat([last.key, Buffer.from([0])]);
  }
}

/**
 * The scheduler benches' unit mix for a cluster of `machines`, `units` in all: three global units (one everywhere,
 * two by metadata), up to 5,000 `web@` replicas that conflict with each other and request resources, up to 5,000
 * `db-*` units pinned by metadata, and plain services for the rest.
 */
export function benchUnitSpecs(machines: number, units: number): UnitSpec[] {
  const specs = [
    spec('node-exporter.service', [['X-Fleet', 'Global', 'true']]),
    spec('log-shipper.service', [['X-Fleet', 'Global', 'true'], ['X-Fleet', 'MachineMetadata', 'disk=ssd']]),
    spec('rack-agent.service', [['X-Fleet', 'Global', 'true'], ['X-Fleet', 'MachineMetadata', 'rack=r1']]),
  ];
  const web = Math.min(5000, Math.floor(machines / 2));
  for (let i = 0; i < web; i++) specs.push(spec(`web@${i}.service`, [['X-Fleet', 'Conflicts', 'web@*.service'], ['Service', 'MemoryMax', '512M'], ['Service', 'CPUQuota', '50%']]));
  for (let i = 0; i < 5000 && specs.length < units; i++) specs.push(spec(`db-${i}.service`, [['X-Fleet', 'MachineMetadata', 'disk=ssd'], ['Service', 'MemoryMax', '2G']]));
  for (let i = 0; specs.length < units; i++) specs.push(spec(`svc-${i}.service`));
  return specs;
}
