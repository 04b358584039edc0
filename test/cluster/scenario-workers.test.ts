/**
 * docs/scenarios.md, "A worker on every node", on real machines with the shipped example units:
 * units/spark-master.service (pinned to role=master) and the global units/spark-worker.service (role=worker). Every
 * role=worker machine runs exactly one worker, each worker finds the master through etcd and registers with it, a
 * machine that joins gets one, and a machine whose role changes loses its worker.
 */
import path from 'node:path';
import { EtcdRegistry } from '@flotilla/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Cluster } from '../harness/cluster.js';
import { waitUntil } from '../harness/exec.js';
import type { Machine } from '../harness/machines.js';
import { cliFor } from '../support/cli.js';
import { startRegisteredCluster } from '../support/registered-cluster.js';

const UNITS = path.resolve(import.meta.dirname, '../../units');
const WORKER = 'spark-worker.service';

describe('a Spark worker on every worker node', () => {
  let cluster: Cluster;
  let cli: ReturnType<typeof cliFor>;
  let registry: EtcdRegistry;
  let stop: (() => Promise<void>) | undefined;

  const activeOn = async (unit: string): Promise<string[]> => {
    const states = await Promise.all(cluster.machines.map(async (m: Machine) => [m.name, (await m.systemctlShow(unit, ['ActiveState'])).ActiveState] as const));
    return states.filter(([, s]) => s === 'active').map(([n]) => n).sort();
  };
  const waitActiveOn = (unit: string, machines: Machine[]) => {
    const want = machines.map((m) => m.name).sort().join();
    return waitUntil(`${unit} active on exactly ${want}`, async () => ((await activeOn(unit)).join() === want ? true : undefined), {
      timeoutMs: 45_000,
      intervalMs: 250,
    }).catch(async (err) => {
      throw new Error(`${(err as Error).message}; active on: ${(await activeOn(unit)).join()}`);
    });
  };
  /** The hostnames registered with the master stand-in, asked from the host. */
  const registeredWorkers = async (master: Machine): Promise<string[] | undefined> => {
    const res = await fetch(`http://${master.ip}:7077/workers`, { signal: AbortSignal.timeout(2000) }).catch(() => undefined);
    return res?.ok ? ((await res.json()) as string[]) : undefined;
  };
  const hostname = async (m: Machine) => (await m.exec(['hostname'], { timeoutMs: 5000 })).stdout.trim();

  beforeAll(async () => {
    ({ cluster, registry, stop } = await startRegisteredCluster({ machines: 3, ttlSec: 5, metadata: (i) => ({ role: i === 1 ? 'master' : 'worker' }) }));
    cli = cliFor(cluster.cliEnv);
  });
  afterAll(async () => {
    await stop?.();
  });

  test('one worker per role=worker machine, registered with the master found through etcd; joins and role changes follow', async () => {
    const [master, ...workers] = cluster.machines as [Machine, ...Machine[]];
    const started = await cli(['start', path.join(UNITS, 'spark-master.service'), path.join(UNITS, WORKER)]);
    expect(started.code, started.stderr).toBe(0);
    await waitActiveOn('spark-master.service', [master]);
    await waitActiveOn(WORKER, workers);
    const states = (await registry.listStates()).filter((s) => s.unit === WORKER && s.activeState === 'active');
    expect(states.map((s) => s.machineId).sort()).toEqual(workers.map((m) => m.id).sort());

    const names = async (ms: Machine[]) => (await Promise.all(ms.map(hostname))).sort().join();
    const expectRegistered = async (ms: Machine[]) => {
      const want = await names(ms);
      await waitUntil(`master knows ${want}`, async () => ((await registeredWorkers(master))?.join() === want ? true : undefined), {
        timeoutMs: 30_000,
        intervalMs: 500,
      }).catch(async (err) => {
        throw new Error(`${(err as Error).message}; registered: ${JSON.stringify(await registeredWorkers(master))}`);
      });
    };
    await expectRegistered(workers);

    const joined = await cluster.addMachine();
    await waitActiveOn(WORKER, [...workers, joined]);
    await expectRegistered([...workers, joined]);

    const [moved, ...stay] = workers as [Machine, ...Machine[]];
    await registry.patchMachineMetadata([{ machineId: moved.id, key: 'role', value: 'db' }]);
    await waitActiveOn(WORKER, [...stay, joined]);
    await waitActiveOn('spark-master.service', [master]);
  });
});
