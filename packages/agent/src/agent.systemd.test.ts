/**
 * The whole agent against real systemd (one nspawn machine, driven from the host) and an in-memory registry:
 * assignments in, units running and states published out. Waits are on registry changes, never sleeps.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import type { MachineRecord, UnitSpec } from '@flotilla/core';
import type { Machine } from '../../../test/harness/index.js';
import { startAgent, type AgentHandle } from './agent.js';
import { MemoryRegistry } from '../../core/src/testing/memory-registry.js';
import { hostUnitsDir as machineUnitsDir, machineAgentConfig, machineRecordOf, useMachineAgent } from './test-support/machine-agent.js';

const service = (name: string, execStart: string): UnitSpec => ({
  name,
  options: [
    { section: 'Unit', name: 'Description', value: `test ${name}` },
    { section: 'Service', name: 'ExecStart', value: execStart },
  ],
});

describe('agent on a real systemd machine', () => {
  let machine: Machine;
  let agent: AgentHandle | undefined;
  const registry = new MemoryRegistry();
  let record: MachineRecord;
  const hostUnitsDir = () => machineUnitsDir(machine);
  const activeState = (unit: string) => registry.state(unit, machine.id)?.activeState;
  const config = () => machineAgentConfig(machine, registry, { machine: record });

  useMachineAgent(registry, {
    config(m) {
      machine = m;
      record = machineRecordOf(machine);
      return config();
    },
    started: (a) => (agent = a),
    current: () => agent,
  });

  test('an assignment to launch: unit file written, unit running, state published', async () => {
    const unit = registry.assignUnit(machine.id, service('web.service', '/bin/sleep 1000'), 'launched');
    await registry.until('web.service active', () => activeState('web.service') === 'active');
    expect(registry.state('web.service', machine.id)).toMatchObject({ loadState: 'loaded', subState: 'running', hash: unit.hash });
    expect((await machine.systemctlShow('web.service', ['ActiveState'])).ActiveState).toBe('active');
    expect(fs.readFileSync(path.join(hostUnitsDir(), 'web.service'), 'utf8')).toContain('ExecStart=/bin/sleep 1000');
  });

  test('desired state loaded: stopped, state follows', async () => {
    registry.assignUnit(machine.id, service('web.service', '/bin/sleep 1000'), 'loaded');
    await registry.until('web.service inactive', () => activeState('web.service') === 'inactive');
    expect((await machine.systemctlShow('web.service', ['ActiveState'])).ActiveState).toBe('inactive');
  });

  test('changed unit text: replaced and started with the new text', async () => {
    const unit = registry.assignUnit(machine.id, service('web.service', '/bin/sleep 2000'), 'launched');
    await registry.until('new web.service active', () => activeState('web.service') === 'active' && registry.state('web.service', machine.id)?.hash === unit.hash);
    expect((await machine.systemctlShow('web.service', ['ExecStart'])).ExecStart).toContain('/bin/sleep ; argv[]=/bin/sleep 2000');
  });

  test('lease lost: registers again, republishes, and the unit never stopped', async () => {
    const { MainPID } = await machine.systemctlShow('web.service', ['MainPID']);
    registry.expireLease(machine.id);
    await registry.until('re-registered with states', () => registry.machine(machine.id) !== undefined && activeState('web.service') === 'active');
    expect((await machine.systemctlShow('web.service', ['MainPID'])).MainPID).toBe(MainPID);
  });

  test('etcd away: a unit text cannot be read, the pass does nothing, units keep running', async () => {
    const { MainPID } = await machine.systemctlShow('web.service', ['MainPID']);
    registry.down = true;
    const failedBefore = registry.failedCalls;
    registry.assignUnit(machine.id, service('late.service', '/bin/sleep 1000'), 'launched'); // text not cached
    await registry.until('a failed registry read', () => registry.failedCalls > failedBefore);
    expect(await machine.systemctlShow('web.service', ['ActiveState', 'MainPID'])).toEqual({ ActiveState: 'active', MainPID });
    expect(fs.existsSync(path.join(hostUnitsDir(), 'late.service'))).toBe(false);
    registry.down = false;
    registry.unassignUnit(machine.id, 'late.service');
  });

  test('assignment removed: unit stopped and unloaded, state removed', async () => {
    registry.assignUnit(machine.id, service('web.service', '/bin/sleep 2000'), 'launched');
    await registry.until('web.service active', () => activeState('web.service') === 'active');
    registry.unassignUnit(machine.id, 'web.service');
    await registry.until('web.service state removed', () => registry.state('web.service', machine.id) === undefined);
    expect(fs.existsSync(path.join(hostUnitsDir(), 'web.service'))).toBe(false);
    expect((await machine.systemctlShow('web.service', ['LoadState', 'ActiveState']))).toEqual({ LoadState: 'not-found', ActiveState: 'inactive' });
  });

  test('unassigned with a 2 s ExecStop: state published as deactivating, removed only once the stop finished', async () => {
    const marker = '/run/slowstop-done';
    const slow: UnitSpec = {
      name: 'slowstop.service',
      options: [
        { section: 'Service', name: 'ExecStart', value: '/bin/sleep 1000' },
        { section: 'Service', name: 'ExecStop', value: `/bin/sh -c 'sleep 2; touch ${marker}'` },
      ],
    };
    registry.assignUnit(machine.id, slow, 'launched');
    await registry.until('slowstop.service active', () => activeState('slowstop.service') === 'active');
    const published: string[] = [];
    let stopFinishedWhenRemoved: boolean | undefined;
    const watch = () => {
      const state = activeState('slowstop.service');
      if (state !== undefined && published.at(-1) !== state) published.push(state);
      if (state === undefined && stopFinishedWhenRemoved === undefined) stopFinishedWhenRemoved = fs.existsSync(path.join(`/proc/${machine.leaderPid}/root`, marker));
    };
    const off = registry.onChange(watch);
    try {
      registry.unassignUnit(machine.id, 'slowstop.service');
      await registry.until('slowstop.service state removed', () => activeState('slowstop.service') === undefined, 20_000);
    } finally {
      off();
    }
    expect(published).toContain('deactivating');
    expect(stopFinishedWhenRemoved).toBe(true);
    expect((await machine.systemctlShow('slowstop.service', ['LoadState', 'ActiveState']))).toEqual({ LoadState: 'not-found', ActiveState: 'inactive' });
  });

  test('stop for a restart: units keep running, machine key and states stay; the next agent takes the key over (same PID)', async () => {
    registry.assignUnit(machine.id, service('db.service', '/bin/sleep 1000'), 'launched');
    await registry.until('db.service active', () => activeState('db.service') === 'active');
    const before = await machine.systemctlShow('db.service', ['MainPID', 'ActiveEnterTimestampMonotonic']);
    const leaseBefore = registry.machine(machine.id)!.leaseId;
    expect(await agent!.stop({ mode: 'restart' })).toMatchObject({ mode: 'restart', unitsStopped: 0 });
    expect(registry.machine(machine.id)?.leaseId).toBe(leaseBefore);
    expect(activeState('db.service')).toBe('active');
    agent = await startAgent(config());
    await registry.until('machine key taken over', () => registry.machine(machine.id)?.takenOver === true);
    await registry.until('synced, db.service republished', () => agent!.stats().synced && activeState('db.service') === 'active');
    expect(await machine.systemctlShow('db.service', ['MainPID', 'ActiveEnterTimestampMonotonic'])).toEqual(before);
  });

  test('stop to leave: every unit is stopped and unloaded, each waited for, before the machine key goes', async () => {
    const slow: UnitSpec = {
      name: 'slowleave.service',
      options: [...service('slowleave.service', '/bin/sleep 1000').options, { section: 'Service', name: 'ExecStop', value: "/bin/sh -c 'sleep 1; date +%%s%%3N > /run/slowleave-stopped-at'" }],
    };
    registry.assignUnit(machine.id, slow, 'launched');
    await registry.until('slowleave.service active', () => activeState('slowleave.service') === 'active');
    let machineGoneAt: number | undefined;
    const watch = () => void (machineGoneAt ??= registry.machine(machine.id) ? undefined : Date.now());
    const off = registry.onChange(watch);
    try {
      const report = await agent!.stop({ mode: 'leave' });
      agent = undefined;
      expect(report.mode).toBe('leave');
      expect(report.unitsStopped).toBeGreaterThanOrEqual(2); // db.service and slowleave.service (and any left)
    } finally {
      off();
    }
    expect(registry.machine(machine.id)).toBeUndefined();
    expect(await registry.listStates()).toEqual([]);
    for (const unit of ['db.service', 'slowleave.service']) {
      expect((await machine.systemctlShow(unit, ['LoadState', 'ActiveState']))).toEqual({ LoadState: 'not-found', ActiveState: 'inactive' });
    }
    expect(fs.readdirSync(hostUnitsDir())).toEqual([]);
    // The slow unit's ExecStop had finished (it wrote the time, ms) before the machine left the registry.
    const stoppedAt = Number(fs.readFileSync(`/proc/${machine.leaderPid}/root/run/slowleave-stopped-at`, 'utf8'));
    expect(machineGoneAt).toBeGreaterThanOrEqual(stoppedAt);
  });
});
