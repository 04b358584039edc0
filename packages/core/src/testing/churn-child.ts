/**
 * A client that changes units as fast as it can until it is killed: submit (sometimes with other content and
 * replace), start, stop, destroy, assign, unassign, on a small pool of names. The atomicity test SIGKILLs it
 * at random points and then checks that no reader can see half a change. Prints one line per finished op.
 * Usage: churn-child.ts <endpoint> <prefix> <seed>
 */
import { Etcd3 } from 'etcd3';
import type { Assignment, UnitRecord } from '../model.js';
import { encodeValue } from '../registry/codec.js';
import { EtcdRegistry } from '../registry/etcd-registry.js';
import { isFlotillaError } from '../errors.js';
import { option, unitSpec } from './unit-builders.js';

const [endpoint, prefix, seedArg] = process.argv.slice(2);
const NAMES = ['a.service', 'b.service', 'c@1.service', 'g.service', 'e.service'];
const MACHINES = ['m1', 'm2'];
const raw = new Etcd3({ hosts: [endpoint as string] });

let seed = Number(seedArg ?? 1) >>> 0;
function random(n: number): number {
  seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
  return seed % n;
}

async function step(registry: EtcdRegistry): Promise<string> {
  const name = NAMES[random(NAMES.length)] as string;
  switch (random(6)) {
    case 0: {
      const extra = name === 'g.service' ? [option('X-Fleet', 'Global', 'true')] : [option('Service', 'User', `u${random(3)}`)];
      await registry.submitUnit(unitSpec(name, ...extra), { desiredState: 'launched', replace: random(2) === 0 });
      return `submit ${name}`;
    }
    case 1:
      await registry.setDesiredState(name, random(2) === 0 ? 'launched' : 'loaded');
      return `start ${name}`;
    case 2:
      await registry.setDesiredState(name, 'inactive');
      return `stop ${name}`;
    case 3:
      await registry.destroyUnit(name);
      return `destroy ${name}`;
    case 4: {
      const snap = await registry.snapshot();
      const global = snap.units.find((u) => u.name === name && u.global && u.desiredState !== 'inactive');
      if (global) return assignGlobal(registry, global, snap.unitRevisions.get(name) as string);
      const unit = snap.units.find((u) => u.name === name && !u.global && u.desiredState !== 'inactive');
      if (!unit || snap.schedule.has(name)) return `skip ${name}`;
      await registry.assign(unit, snap.unitRevisions.get(name) as string, MACHINES[random(2)] as string);
      return `assign ${name}`;
    }
    default: {
      const snap = await registry.snapshot();
      const machineId = snap.schedule.get(name);
      if (machineId !== undefined) await registry.unassign(name, machineId);
      return `unassign ${name}`;
    }
  }
}

/** What the scheduler's assign-global does: put the machine's assignment if the unit is unchanged. */
async function assignGlobal(registry: EtcdRegistry, unit: UnitRecord, modRevision: string): Promise<string> {
  const machineId = MACHINES[random(2)] as string;
  const assignment: Assignment = { unit: unit.name, machineId, hash: unit.hash, desiredState: unit.desiredState };
  const keys = registry.keyspace;
  await raw
    .if(keys.unit(unit.name), 'Mod', '==', modRevision)
    .then(raw.put(keys.assignment(machineId, unit.name)).value(encodeValue(assignment)))
    .commit();
  return `assign-global ${unit.name} ${machineId}`;
}

async function main(): Promise<void> {
  const registry = await EtcdRegistry.connect({ endpoints: [endpoint as string], prefix, onCorruptRecord: () => undefined });
  process.stdout.write('ready\n');
  for (;;) {
    const done = await step(registry).catch((err: unknown) => {
      if (isFlotillaError(err)) return `refused ${err.code}`;
      throw err;
    });
    process.stdout.write(`${done}\n`);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
