/**
 * A real etcd, the elected scheduler in this process, and three stand-in machines (m1..m3) that publish a state
 * for every assignment they hold, for the deployment tests that run the real CLI binary without agents
 * (packages/cli/src/commands/deploy.test.ts, packages/cli/src/compose/compose-deploy.test.ts). What a stand-in
 * reports for an assignment — healthy or not, and how — is the test's `stateOf`.
 */
import { EtcdRegistry, type PresenceLease, type UnitRecord, type UnitStateRecord } from '@flotilla/core';
import { startScheduler, type Scheduler } from '@flotilla/scheduler';
import pino from 'pino';
import { startEtcd, type EtcdHandle } from '../harness/etcd.js';
import { cliFor } from './cli.js';

/** The state fields a stand-in publishes beyond `active/running` for `unit` (undefined if gone) at `hash`. */
export type StandInState = (unit: UnitRecord | undefined, hash: string) => Partial<UnitStateRecord>;

export interface StandInDeployCluster {
  etcd: EtcdHandle;
  registry: EtcdRegistry;
  cli: ReturnType<typeof cliFor>;
  stop(): Promise<void>;
}

export async function startStandInDeployCluster(stateOf: StandInState): Promise<StandInDeployCluster> {
  const etcd = await startEtcd();
  const registry = await EtcdRegistry.connect({ endpoints: etcd.endpoints });
  const leases: PresenceLease[] = [];
  for (const id of ['m1', 'm2', 'm3']) {
    leases.push(await registry.registerMachine({ id, hostname: id, ip: '10.0.0.1', metadata: {}, version: 'test', startedAt: Date.now() }, 10));
  }
  const scheduler: Scheduler = await startScheduler({ registry: await EtcdRegistry.connect({ endpoints: etcd.endpoints }), candidateId: 'c1', ttlSec: 2, intervalMs: 300, logger: pino({ level: 'silent' }) });
  let stopping = false;
  const standIns = (async () => {
    while (!stopping) {
      for (const [i, lease] of leases.entries()) {
        const machineId = `m${i + 1}`;
        for (const a of await registry.listAssignments(machineId).catch(() => [])) {
          const unit = await registry.getUnit(a.unit).catch(() => undefined);
          await registry
            .publishState({ unit: a.unit, machineId, hash: a.hash, loadState: 'loaded', activeState: 'active', subState: 'running', updatedAt: Date.now(), ...stateOf(unit, a.hash) }, lease)
            .catch(() => undefined);
        }
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  return {
    etcd,
    registry,
    cli: cliFor(etcd.endpoints),
    async stop() {
      stopping = true;
      await standIns;
      await scheduler.stop();
      for (const lease of leases) await lease.revoke().catch(() => undefined);
      await registry.close();
      await etcd.stop();
    },
  };
}
