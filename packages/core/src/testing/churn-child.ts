/**
 * A client that changes units as fast as it can until it is killed: submit (sometimes with other content and
 * replace), start, stop, destroy, assign, unassign, on a small pool of names. The atomicity test SIGKILLs it
 * at random points and then checks that no reader can see half a change. Prints one line per finished op.
 * Usage: churn-child.ts <endpoint> <prefix> <seed>
 */
import { EtcdRegistry } from '../registry/etcd-registry.js';
import { isFlotillaError } from '../errors.js';
import { option, unitSpec } from './unit-builders.js';

const [endpoint, prefix, seedArg] = process.argv.slice(2);
const NAMES = ['a.service', 'b.service', 'c@1.service', 'g.service', 'e.service'];
const MACHINES = ['m1', 'm2'];

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
