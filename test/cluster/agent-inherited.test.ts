/**
 * The inherited-assignment rule (docs/agent.md, "Returning after a lost lease") on real etcd and real systemd:
 * an assignment that is older than the agent's registration (a scheduler that had not yet processed the
 * machine's loss would remove it and start the unit elsewhere) is not started; the agent hands it back with
 * `unassign`. An assignment the scheduler writes after the registration starts as usual. The agent runs in
 * this process against one nspawn machine's systemd; this test plays the scheduler.
 */
import path from 'node:path';
import pino from 'pino';
import { EtcdRegistry, type UnitSpec } from '@flotilla/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startAgent, type AgentHandle } from '@flotilla/agent';
import { startCluster, type Cluster } from '../harness/cluster.js';
import { waitUntil } from '../harness/exec.js';
import type { Machine } from '../harness/machines.js';

const UNIT = 'inherited.service';
const MARKER = '/run/inherited-started';
const spec: UnitSpec = {
  name: UNIT,
  options: [{ section: 'Service', name: 'ExecStart', value: `/bin/sh -c 'echo x >> ${MARKER}; exec sleep infinity'` }],
};

describe('an assignment older than the registration', () => {
  let cluster: Cluster;
  let machine: Machine;
  let registry: EtcdRegistry;
  let agent: AgentHandle | undefined;

  beforeAll(async () => {
    cluster = await startCluster({ machines: 1, agent: false });
    machine = cluster.machines[0]!;
    registry = await EtcdRegistry.connect({ endpoints: cluster.endpoints });
  }, 120_000);
  afterAll(async () => {
    await agent?.stop();
    await registry?.close();
    await cluster?.stop();
  });

  const starts = async () => {
    const r = await machine.exec(['cat', MARKER]);
    return r.code === 0 ? r.stdout.trim().split('\n').length : 0;
  };
  const assignHere = async () => {
    const snap = await registry.snapshot();
    const unit = snap.units.find((u) => u.name === UNIT)!;
    await registry.assign(unit, snap.unitRevisions.get(UNIT)!, machine.id);
  };
  const scheduledOn = async () => (await registry.snapshot()).schedule.get(UNIT);

  test('is handed back to the scheduler, never started; a new assignment starts', async () => {
    // Left from the machine's previous incarnation: scheduled here while no machine key exists.
    await registry.submitUnit(spec, { desiredState: 'launched' });
    await assignHere();
    const hostUnitsDir = path.join(`/proc/${machine.leaderPid}/root`, '/run/flotilla/units');
    agent = await startAgent({
      registry,
      machine: { id: machine.id, hostname: machine.name, ip: machine.ip, metadata: {}, version: 'test', startedAt: Date.now() },
      ttlSec: 10,
      unitsDir: hostUnitsDir,
      unitsDirSeenBySystemd: '/run/flotilla/units',
      busAddress: machine.busAddress,
      logger: pino({ level: process.env.FLOTILLA_TEST_LOG ?? 'silent' }),
    });
    await waitUntil('unassigned by the agent', async () => ((await scheduledOn()) === undefined ? true : undefined), { timeoutMs: 20_000, intervalMs: 100 });
    await waitUntil('unit unloaded after its release', async () => {
      const s = await machine.systemctlShow(UNIT, ['LoadState']);
      return s.LoadState === 'not-found' ? true : undefined;
    }, { timeoutMs: 20_000, intervalMs: 100 });
    expect(agent.stats().synced).toBe(true);
    expect(await starts()).toBe(0);

    // The scheduler places it again from a view that includes the registered machine: it runs.
    await assignHere();
    await waitUntil('active', async () => ((await machine.systemctlShow(UNIT, ['ActiveState'])).ActiveState === 'active' ? true : undefined), { timeoutMs: 20_000, intervalMs: 100 });
    expect(await scheduledOn()).toBe(machine.id);
    expect(await starts()).toBe(1);
  }, 120_000);
});
