/**
 * The leader loop against a real etcd through core's EtcdRegistry: election between schedulers, placement,
 * a machine whose presence lease ends, handover, and the cluster event log's entry for a drain move. Each test uses its own key prefix; every wait polls
 * with a deadline.
 */
import { Etcd3 } from 'etcd3';
import { EtcdRegistry, Keyspace, type ClusterRegistry, type PresenceLease, type UnitSpec } from '@flotilla/core';
import { describe, expect, test } from 'vitest';
import type { EtcdHandle } from '../../../test/harness/etcd.js';
import { useCleanups, useEtcd } from '../../core/src/testing/etcd-fixture.js';
import { encodeValue } from '../../core/src/registry/codec.js';
import { reasonMachineGone } from './plan.js';
import { startScheduler, type Scheduler, type SchedulerOptions } from './scheduler.js';
import { machine } from './test-support/builders.js';
import { captureLog, type CapturedLog } from './test-support/log-capture.js';
import { waitFor } from './test-support/wait.js';

const ELECTION_TTL_SEC = 2;

let etcd: EtcdHandle;
let prefix = '';
let testNumber = 0;
useEtcd((e) => (etcd = e));
// Last opened first: schedulers (they resign), then leases, then connections.
const cleanups = useCleanups();

async function connect(): Promise<EtcdRegistry> {
  const registry = await EtcdRegistry.connect({ endpoints: etcd.endpoints, prefix, requestTimeoutMs: 3000 });
  cleanups.push(() => registry.close());
  return registry;
}

async function scheduler(candidateId: string, extra: Partial<SchedulerOptions> = {}): Promise<{ scheduler: Scheduler; log: CapturedLog }> {
  const registry = await connect();
  const log = captureLog();
  const s = await startScheduler({ registry, candidateId, ttlSec: ELECTION_TTL_SEC, intervalMs: 500, logger: log.logger, ...extra });
  cleanups.push(() => s.stop());
  return { scheduler: s, log };
}

async function register(registry: ClusterRegistry, id: string, ttlSec = 10, metadata: Record<string, string> = {}): Promise<PresenceLease> {
  const lease = await registry.registerMachine(machine(id, metadata), ttlSec);
  cleanups.push(() => lease.revoke());
  return lease;
}

function spec(name: string): UnitSpec {
  return {
    name,
    options: [
      { section: 'Unit', name: 'Description', value: name },
      { section: 'Service', name: 'ExecStart', value: '/bin/sleep 1000' },
    ],
  };
}

async function scheduleOf(registry: ClusterRegistry): Promise<Record<string, string>> {
  return Object.fromEntries((await registry.snapshot()).schedule);
}

describe('startScheduler against etcd', () => {
  test('registry layout 2: the leader moves the registry once every machine can lead it, without moving a unit; then a placement is one key', async () => {
    prefix = `/flotilla-sched-${++testNumber}/`;
    const registry = await connect();
    const keys = new Keyspace(prefix);
    const raw = new Etcd3({ hosts: etcd.endpoints });
    cleanups.push(async () => raw.close());
    const scheduleKeys = async () => (await raw.getAll().prefix(keys.schedulePrefix).keys()).length;
    // m1 can lead layout 2, m2's daemon cannot (a daemon before layout 2 does not say).
    const m1 = await registry.registerMachine({ ...machine('m1'), layout: 2 }, 10);
    cleanups.push(() => m1.revoke());
    const old = machine('m2');
    const m2 = await registry.registerMachine(old, 10);
    cleanups.push(() => m2.revoke());
    await registry.submitUnits([spec('a.service'), spec('b.service')], { desiredState: 'launched' });
    const { log } = await scheduler('cand-a');
    await waitFor('a and b scheduled', async () => (Object.keys(await scheduleOf(registry)).length === 2 ? true : undefined));
    expect(await scheduleKeys()).toBe(2);
    expect(log.lines.some((l) => String(l.msg).includes('while machine m2 runs a daemon that cannot lead under layout 2'))).toBe(true);
    const placedBefore = await scheduleOf(registry);

    await registry.updateMachine({ ...old, layout: 2 }, m2);
    await waitFor('the registry moved to layout 2', async () => ((await registry.snapshot()).layout === 2 && (await scheduleKeys()) === 0 ? true : undefined));
    expect(await scheduleOf(registry)).toEqual(placedBefore);
    const assigns = () => log.lines.filter((l) => l.kind === 'assign' || l.kind === 'unassign').map((l) => `${String(l.kind)} ${String(l.unit)}`);
    expect(assigns().sort()).toEqual(['assign a.service', 'assign b.service']);

    // One key per placement; stop and destroy are the record alone, and the leader takes the assignment away.
    await registry.submitUnits([spec('c.service')], { desiredState: 'launched' });
    await waitFor('c scheduled', async () => ((await scheduleOf(registry))['c.service'] ? true : undefined));
    expect(await scheduleKeys()).toBe(0);
    await registry.setDesiredState('a.service', 'inactive');
    await registry.destroyUnit('b.service');
    await waitFor('a and b unassigned', async () => {
      const assigned = [...(await registry.listAssignments('m1')), ...(await registry.listAssignments('m2'))].map((a) => a.unit);
      return assigned.length === 1 && assigned[0] === 'c.service' ? true : undefined;
    });
    expect(Object.keys(await scheduleOf(registry))).toEqual(['c.service']);
  });

  test('a unit record written without its assignment: the leader brings the assignment in line where it is', async () => {
    prefix = `/flotilla-sched-${++testNumber}/`;
    const registry = await connect();
    await register(registry, 'm1');
    const unit = await registry.submitUnit(spec('a.service'), { desiredState: 'launched' });
    const { log } = await scheduler('cand-a');
    await waitFor('a.service scheduled', async () => ((await scheduleOf(registry))['a.service'] === 'm1' ? true : undefined));
    // The record alone, as every writer of records will write once only the leader mirrors (docs/registry.md, "One
    // write per placement"): today the registry writes its assignment in the same transaction.
    const raw = new Etcd3({ hosts: etcd.endpoints });
    cleanups.push(async () => raw.close());
    await raw.put(new Keyspace(prefix).unit('a.service')).value(encodeValue({ ...unit, desiredState: 'loaded' }));
    const [assignment] = await waitFor('the assignment says loaded', async () => {
      const on = await registry.listAssignments('m1');
      return on[0]?.desiredState === 'loaded' ? on : undefined;
    });
    expect(assignment).toEqual({ unit: 'a.service', machineId: 'm1', hash: unit.hash, desiredState: 'loaded', placed: true });
    const snap = await registry.snapshot();
    expect([snap.laggingAssignments.size, snap.schedule.get('a.service')]).toEqual([0, 'm1']);
    expect(log.lines.filter((l) => l.kind === 'refresh').map((l) => [l.unit, l.machine])).toEqual([['a.service', 'm1']]);
  });

  test('exactly one of two schedulers leads', async () => {
    prefix = `/flotilla-sched-${++testNumber}/`;
    const a = await scheduler('cand-a');
    const b = await scheduler('cand-b');
    const observer = await connect();
    const leader = await waitFor('a leader', () => observer.currentLeader());
    const [winner, loser] = leader === 'cand-a' ? [a, b] : [b, a];
    await waitFor('winner knows it leads', () => winner.scheduler.isLeader());
    expect(loser.scheduler.isLeader()).toBe(false);
  });

  test('units are placed and spread one per machine', async () => {
    prefix = `/flotilla-sched-${++testNumber}/`;
    const registry = await connect();
    for (const id of ['m1', 'm2', 'm3']) await register(registry, id);
    for (const name of ['a.service', 'b.service', 'c.service']) await registry.submitUnit(spec(name), { desiredState: 'launched' });
    await scheduler('cand-a');
    const schedule = await waitFor('three units scheduled', async () => {
      const s = await scheduleOf(registry);
      return Object.keys(s).length === 3 ? s : undefined;
    });
    expect(schedule).toEqual({ 'a.service': 'm1', 'b.service': 'm2', 'c.service': 'm3' });
    expect((await registry.listAssignments('m2')).map((a) => a.unit)).toEqual(['b.service']);
  });

  test('a big plan is written while it is planned: its first writes go out before planning ends, each unit placed once', async () => {
    prefix = `/flotilla-sched-${++testNumber}/`;
    const registry = await connect();
    for (const id of ['m1', 'm2', 'm3']) await register(registry, id);
    const names = Array.from({ length: 24 }, (_, i) => `u${String(i).padStart(2, '0')}.service`);
    await registry.submitUnits([...names.map(spec), { ...spec('g.service'), options: [...spec('g.service').options, { section: 'X-Fleet', name: 'Global', value: 'true' }] }], { desiredState: 'launched' });
    // Which log line each write came after: the pass logs 'scheduling pass' once its plan is done.
    const log = captureLog();
    const writesAfterLine: number[] = [];
    const watched = await connect();
    const recording = new Proxy(watched, {
      get(target, key) {
        if (key === 'applySchedule') {
          return (...args: Parameters<EtcdRegistry['applySchedule']>) => {
            writesAfterLine.push(log.lines.length);
            return target.applySchedule(...args);
          };
        }
        const value: unknown = Reflect.get(target, key);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const s = await startScheduler({ registry: recording, candidateId: 'cand-a', ttlSec: ELECTION_TTL_SEC, intervalMs: 500, logger: log.logger, planStepUnits: 4 });
    cleanups.push(() => s.stop());
    const schedule = await waitFor('24 units scheduled', async () => {
      const placed = await scheduleOf(registry);
      return names.every((n) => placed[n] !== undefined) ? placed : undefined;
    });
    const planDone = log.lines.findIndex((l) => l.msg === 'scheduling pass' && Number(l.decisions) > 0);
    expect(planDone).toBeGreaterThan(0);
    expect(writesAfterLine[0]).toBeLessThanOrEqual(planDone);
    // The first write holds the global unit only (handed out before any assignment): the assignments come after.
    expect(writesAfterLine.length).toBeGreaterThanOrEqual(2);
    const perMachine = Object.values(schedule).reduce<Record<string, number>>((n, m) => ({ ...n, [m]: (n[m] ?? 0) + 1 }), {});
    expect(perMachine).toEqual({ m1: 8, m2: 8, m3: 8 });
    for (const id of ['m1', 'm2', 'm3']) {
      const assigned = (await registry.listAssignments(id)).map((a) => a.unit);
      expect(assigned.filter((u) => u === 'g.service')).toHaveLength(1);
      expect(assigned.filter((u) => u !== 'g.service').sort()).toEqual(names.filter((n) => schedule[n] === id));
    }
    expect(log.lines.filter((l) => String(l.msg).includes('conflicted'))).toEqual([]);
  });

  test('a machine whose presence lease ends has its units moved', async () => {
    prefix = `/flotilla-sched-${++testNumber}/`;
    const registry = await connect();
    const doomed = await register(registry, 'm1', 2);
    await registry.submitUnit(spec('a.service'), { desiredState: 'launched' });
    const { log } = await scheduler('cand-a');
    await waitFor('a.service on m1', async () => (await scheduleOf(registry))['a.service'] === 'm1');
    await register(registry, 'm2');
    await doomed.revoke();
    await waitFor('a.service moved to m2', async () => (await scheduleOf(registry))['a.service'] === 'm2');
    expect(log.lines.find((l) => l.kind === 'unassign')).toMatchObject({
      unit: 'a.service',
      machine: 'm1',
      reason: reasonMachineGone('m1'),
    });
  });

  test('leadership is handed over when the leader stops', async () => {
    prefix = `/flotilla-sched-${++testNumber}/`;
    const registry = await connect();
    await register(registry, 'm1');
    const first = await scheduler('cand-a');
    await waitFor('cand-a leads', () => first.scheduler.isLeader());
    const second = await scheduler('cand-b');
    const stoppedAt = Date.now();
    await first.scheduler.stop();
    expect(first.scheduler.isLeader()).toBe(false);
    await waitFor('cand-b leads', () => second.scheduler.isLeader(), 5000);
    // Resigning hands over at once; waiting out the election TTL would take longer.
    expect(Date.now() - stoppedAt).toBeLessThan(ELECTION_TTL_SEC * 1000);
    expect(await registry.currentLeader()).toBe('cand-b');
    await registry.submitUnit(spec('late.service'), { desiredState: 'launched' });
    await waitFor('cand-b schedules', async () => (await scheduleOf(registry))['late.service'] === 'm1');
  });

  test('a settled leader plans only what an event touches, and skips passes when nothing happened', async () => {
    prefix = `/flotilla-sched-${++testNumber}/`;
    const registry = await connect();
    for (const id of ['m1', 'm2', 'm3']) await register(registry, id);
    for (let i = 0; i < 30; i++) await registry.submitUnit(spec(`u${i}.service`), { desiredState: 'launched' });
    const { log } = await scheduler('cand-a', { fullPassIntervalMs: 600_000 });
    await waitFor('30 units scheduled', async () => Object.keys(await scheduleOf(registry)).length === 30);
    const passes = () => log.lines.filter((l) => l.msg === 'scheduling pass');
    await waitFor('the first (full) pass logged', () => passes().length >= 1);
    const before = passes().length;
    await registry.submitUnit(spec('late.service'), { desiredState: 'launched' });
    await waitFor('late.service scheduled', async () => (await scheduleOf(registry))['late.service'] !== undefined);
    // Its own writes coming back are not news: one pass for the submit (a put, then the desired state), none after.
    await waitFor('the pass logged', () => passes().length > before);
    const since = passes().slice(before);
    expect(since.every((l) => l.planned === 'incremental' && l.units === 1)).toBe(true);
    expect(since.reduce((n, l) => n + Number(l.decisions), 0)).toBe(1);
    expect(passes()[0]).toMatchObject({ planned: 'full', decisions: 30 });
  });

  test('a new leader completes the move its predecessor left in flight: held while the old copy runs, placed once it stopped', async () => {
    prefix = `/flotilla-sched-${++testNumber}/`;
    const registry = await connect();
    const m1 = await register(registry, 'm1', 10, { role: 'web' });
    await register(registry, 'm2', 10, { role: 'web' });
    await registry.submitUnit({ ...spec('a.service'), options: [...spec('a.service').options, { section: 'X-Fleet', name: 'MachineMetadata', value: 'role=web' }] }, { desiredState: 'launched' });
    const first = await scheduler('cand-a');
    await waitFor('a.service on m1', async () => (await scheduleOf(registry))['a.service'] === 'm1');
    // What m1's agent publishes while it runs the unit.
    const running = { unit: 'a.service', machineId: 'm1', hash: 'h', loadState: 'loaded', activeState: 'active', subState: 'running', updatedAt: Date.now() };
    await registry.publishState(running, m1);
    // m1 stops matching: the leader unassigns a.service (a move off a live machine) and holds it... then goes away.
    await registry.patchMachineMetadata([{ machineId: 'm1', key: 'role', value: 'db' }]);
    await waitFor('a.service unassigned', async () => (await scheduleOf(registry))['a.service'] === undefined);
    await first.scheduler.stop();
    const second = await scheduler('cand-b');
    const inherited = 'inherited move of a.service: still running on m1; held until it stops';
    await waitFor('cand-b inherits the move', () => second.log.lines.some((l) => l.msg === inherited));
    const passes = () => second.log.lines.filter((l) => l.msg === 'scheduling pass').length;
    await waitFor('cand-b ran three passes', () => passes() >= 3, 5000);
    expect((await scheduleOf(registry))['a.service']).toBeUndefined();
    await registry.removeState('a.service', 'm1'); // m1's agent stopped it
    await waitFor('a.service placed on m2', async () => (await scheduleOf(registry))['a.service'] === 'm2');
  });

  test('a drain move is one event log entry naming both machines and its cause, though placed passes after its unassign', async () => {
    prefix = `/flotilla-sched-${++testNumber}/`;
    const registry = await connect();
    const m1 = await register(registry, 'm1');
    await registry.submitUnit(spec('a.service'), { desiredState: 'launched' });
    await scheduler('cand-a');
    await waitFor('a.service on m1', async () => (await scheduleOf(registry))['a.service'] === 'm1');
    await register(registry, 'm2');
    const running = { unit: 'a.service', machineId: 'm1', hash: 'h', loadState: 'loaded', activeState: 'active', subState: 'running', updatedAt: Date.now() };
    await registry.publishState(running, m1);
    await registry.setMachineCordon('m1', { since: Date.now(), drain: { startedAt: Date.now() } });
    await waitFor('a.service unassigned from m1', async () => (await scheduleOf(registry))['a.service'] === undefined);
    // Stop before start: held while m1 still reports it running, so the unassign and the assign are separate passes.
    await new Promise((resolve) => setTimeout(resolve, 750));
    expect((await scheduleOf(registry))['a.service']).toBeUndefined();
    await registry.removeState('a.service', 'm1'); // m1's agent stopped it
    await waitFor('a.service placed on m2', async () => (await scheduleOf(registry))['a.service'] === 'm2');
    const entries = await waitFor('the move logged', async () => {
      const events = (await registry.listEvents()).filter((e) => e.unit === 'a.service');
      return events.some((e) => e.kind === 'rescheduled') ? events : undefined;
    });
    expect(entries.map(({ kind, unit, fromMachineId, machineId, cause }) => ({ kind, unit, fromMachineId, machineId, cause }))).toEqual([
      { kind: 'placed', unit: 'a.service', fromMachineId: undefined, machineId: 'm1', cause: undefined },
      { kind: 'rescheduled', unit: 'a.service', fromMachineId: 'm1', machineId: 'm2', cause: 'drain' },
    ]);
  });
});
