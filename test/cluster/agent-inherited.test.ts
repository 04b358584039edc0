/**
 * The inherited-assignment rule (docs/agent.md, "Returning after a lost lease") on real etcd and real systemd:
 * an assignment that is older than the agent's registration (a scheduler that had not yet processed the
 * machine's loss would remove it and start the unit elsewhere) is not started; the agent hands it back with
 * `unassign`. An assignment the scheduler writes after the registration starts as usual. The agent runs in
 * this process against one nspawn machine's systemd; this test plays the scheduler.
 */
import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { EtcdRegistry, type UnitSpec } from '@flotilla/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startAgent, type AgentHandle } from '@flotilla/agent';
import { startCluster, type Cluster } from '../harness/cluster.js';
import { runOk, waitUntil } from '../harness/exec.js';
import type { Machine } from '../harness/machines.js';

const UNIT = 'inherited.service';
const TTL_SEC = 3;
/** A unit that appends a line to /run/<name>-started each time it starts. */
const specOf = (name: string): UnitSpec => ({
  name,
  options: [{ section: 'Service', name: 'ExecStart', value: `/bin/sh -c 'echo x >> /run/${name}-started; exec sleep infinity'` }],
});

describe('an assignment older than the registration', () => {
  let cluster: Cluster;
  let machine: Machine;
  let registry: EtcdRegistry;
  let agent: AgentHandle | undefined;

  beforeAll(async () => {
    cluster = await startCluster({ machines: 1, agent: false });
    machine = cluster.machines[0]!;
    registry = await EtcdRegistry.connect(cluster.registryOptions);
  }, 120_000);
  afterAll(async () => {
    await agent?.stop();
    await registry?.close();
    await cluster?.stop();
  });

  const hostUnitsDir = () => path.join(`/proc/${machine.leaderPid}/root`, '/run/flotilla/units');
  const starts = async (name = UNIT) => {
    const r = await machine.exec(['cat', `/run/${name}-started`]);
    return r.code === 0 ? r.stdout.trim().split('\n').length : 0;
  };
  /** What a scheduler does: schedule/<unit> and this machine's assignment, compared on the unit's revision. */
  const assignHere = async (name = UNIT) => {
    const snap = await registry.snapshot();
    const unit = snap.units.find((u) => u.name === name)!;
    await registry.assign(unit, snap.unitRevisions.get(name)!, machine.id);
  };
  const scheduledOn = async (name = UNIT) => (await registry.snapshot()).schedule.get(name);
  const activeState = async (name: string) => (await machine.systemctlShow(name, ['ActiveState'])).ActiveState;
  const leaseId = () => fs.readFileSync(path.join(path.dirname(hostUnitsDir()), 'agent.lease'), 'utf8').trim();

  test('is handed back to the scheduler, never started; a new assignment starts', async () => {
    // Left from the machine's previous incarnation: scheduled here while no machine key exists.
    await registry.submitUnit(specOf(UNIT), { desiredState: 'launched' });
    await assignHere();
    agent = await startAgent({
      registry,
      machine: { id: machine.id, hostname: machine.name, ip: machine.ip, metadata: {}, version: 'test', startedAt: Date.now() },
      ttlSec: TTL_SEC,
      unitsDir: hostUnitsDir(),
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
    await waitUntil('active', async () => ((await activeState(UNIT)) === 'active' ? true : undefined), { timeoutMs: 20_000, intervalMs: 100 });
    expect(await scheduledOn()).toBe(machine.id);
    expect(await starts()).toBe(1);
  }, 120_000);

  test('after a lost lease: running units keep running; a held unit started later by the CLI is handed back', async () => {
    await registry.submitUnit(specOf('later.service'), { desiredState: 'loaded' });
    await assignHere('later.service');
    await waitUntil('later.service loaded', async () => ((await machine.systemctlShow('later.service', ['LoadState'])).LoadState === 'loaded' ? true : undefined), { timeoutMs: 20_000, intervalMs: 100 });
    const { MainPID } = await machine.systemctlShow(UNIT, ['MainPID']);
    // etcd forgets the machine (as when its lease expires in a partition): the key and states go at once.
    const lost = leaseId();
    await runOk('etcdctl', [...cluster.etcdctlArgs, 'lease', 'revoke', BigInt(lost).toString(16)], { timeoutMs: 10_000 });
    await waitUntil('registered again and synced', async () => (leaseId() !== lost && agent!.stats().synced && (await registry.listMachines()).some((m) => m.id === machine.id) ? true : undefined), { timeoutMs: 10 * TTL_SEC * 1000, intervalMs: 100 });
    // The CLI starts it: a rewrite of the inherited assignment, no sign the scheduler has seen the machine back.
    await registry.setDesiredState('later.service', 'launched');
    await waitUntil('later.service handed back', async () => ((await scheduledOn('later.service')) === undefined ? true : undefined), { timeoutMs: 20_000, intervalMs: 100 });
    expect(await starts('later.service')).toBe(0);
    expect(await machine.systemctlShow(UNIT, ['ActiveState', 'MainPID'])).toEqual({ ActiveState: 'active', MainPID });
    await assignHere('later.service');
    await waitUntil('later.service active', async () => ((await activeState('later.service')) === 'active' ? true : undefined), { timeoutMs: 20_000, intervalMs: 100 });
    expect(await starts('later.service')).toBe(1);
  }, 120_000);
  test('a hand-back that completes while a pass is planning does not let that pass start the unit', async () => {
    // A fresh agent (no lease file: a new registration) finds race.service assigned before it registered: held and
    // handed back. Its `unassign` is held until the next pass is reading texts (ghost.service, an assignment the
    // proxy reads as destroyed, so that pass has nothing else to do); the hand-back's delete reaches the mirror
    // while that pass plans. The pass must plan from one moment: the assignment and its hold as they were together.
    await agent?.stop();
    agent = undefined;
    await registry.submitUnit(specOf('race.service'), { desiredState: 'launched' });
    await assignHere('race.service');
    const lines: string[] = [];
    const logged = (pattern: RegExp) => lines.some((l) => pattern.test(l));
    let openGate!: () => void;
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    let unassignCalled = false;
    let unassignDone = false;
    const racing = new Proxy(registry, {
      get(target, prop) {
        if (prop === 'unassign') {
          return async (unit: string, machineId: string) => {
            unassignCalled = true;
            await gate;
            await target.unassign(unit, machineId);
            unassignDone = true;
          };
        }
        if (prop === 'getUnits') {
          return async (names: readonly string[]) => {
            if (!names.includes('ghost.service')) return target.getUnits(names);
            openGate();
            await waitUntil('the hand-back\'s delete in the agent\'s mirror', async () =>
              (unassignDone && logged(/"why":"assignment delete race\.service"/) ? true : undefined), { timeoutMs: 20_000, intervalMs: 20 });
            return names.map(() => undefined);
          };
        }
        const value = Reflect.get(target, prop, target) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    agent = await startAgent({
      registry: racing,
      machine: { id: machine.id, hostname: machine.name, ip: machine.ip, metadata: {}, version: 'test', startedAt: Date.now() },
      ttlSec: TTL_SEC,
      unitsDir: hostUnitsDir(),
      unitsDirSeenBySystemd: '/run/flotilla/units',
      busAddress: machine.busAddress,
      logger: pino({ level: 'trace' }, { write: (line: string) => void lines.push(line) }),
    });
    await waitUntil('race.service handed back (its unassign called)', async () => (unassignCalled ? true : undefined), { timeoutMs: 20_000, intervalMs: 50 });
    await registry.submitUnit(specOf('ghost.service'), { desiredState: 'loaded' });
    await assignHere('ghost.service');
    await waitUntil('race.service unassigned and gone from systemd', async () =>
      ((await scheduledOn('race.service')) === undefined && (await machine.systemctlShow('race.service', ['LoadState'])).LoadState === 'not-found' ? true : undefined),
    { timeoutMs: 30_000, intervalMs: 100 });
    expect(await starts('race.service')).toBe(0);
  }, 120_000);
});
