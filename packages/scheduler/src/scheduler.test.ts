/** Leader-loop behaviour against the in-memory registry; the real-etcd scenarios are in scheduler.etcd.test.ts. */
import { ConflictError, RegistryUnavailableError, sleep, type MachineRecord, type PresenceLease, type UnitRecord, type UnitStateRecord } from '@flotilla/core';
import { afterEach, describe, expect, test } from 'vitest';
import { REASON_UNSCHEDULED, reasonMachineGone } from './plan.js';
import { startScheduler, type Scheduler } from './scheduler.js';
import { APPLY_CHUNK } from './loop/execute.js';
import { machine, unit } from './test-support/builders.js';
import { MemoryRegistry } from '../../core/src/testing/memory-registry.js';
import { captureLog } from './test-support/log-capture.js';
import { waitFor } from './test-support/wait.js';

const running: Scheduler[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
});

/** The in-memory registry, with machines kept present (each under its lease) and units submitted as built. */
class Cluster extends MemoryRegistry {
  private readonly present = new Map<string, PresenceLease>();

  /** Registers the machine, or rewrites its record (metadata changed) under its lease. */
  async addMachine(record: MachineRecord): Promise<void> {
    const lease = this.present.get(record.id);
    if (lease) return this.updateMachine(record, lease);
    this.present.set(record.id, await this.registerMachine(record, 10));
  }

  async dropMachine(id: string): Promise<void> {
    await this.present.get(id)?.revoke();
    this.present.delete(id);
  }

  async addUnit(record: UnitRecord): Promise<void> {
    await this.submitUnit({ name: record.name, options: record.options }, { desiredState: record.desiredState });
  }

  /** The machine's agent publishes the unit's state. */
  async putState(state: UnitStateRecord): Promise<void> {
    await this.publishState(state, this.present.get(state.machineId)!);
  }

  get placements(): Map<string, string> {
    return this.scheduled();
  }

  get snapshots(): number {
    return this.calls.get('snapshot') ?? 0;
  }
}

async function start(fake: Cluster, candidateId: string, intervalMs = 60_000) {
  const log = captureLog();
  const scheduler = await startScheduler({ registry: fake, candidateId, ttlSec: 5, intervalMs, logger: log.logger });
  running.push(scheduler);
  return { scheduler, log };
}

async function cluster(machineIds: string[], unitNames: string[]): Promise<Cluster> {
  const fake = new Cluster();
  for (const id of machineIds) await fake.addMachine(machine(id));
  for (const name of unitNames) await fake.addUnit(unit(name).build());
  return fake;
}

const activeOn = (u: string, activeState: string): UnitStateRecord => ({ unit: u, machineId: 'm1', hash: 'h', loadState: 'loaded', activeState, subState: 'x', updatedAt: 1 });

describe('startScheduler (in-memory registry)', () => {
  test('the elected scheduler spreads units and logs each decision', async () => {
    const fake = await cluster(['m1', 'm2'], ['a.service', 'b.service']);
    const { scheduler, log } = await start(fake, 'c1');
    await waitFor('both units scheduled', () => fake.placements.size === 2);
    expect(scheduler.isLeader()).toBe(true);
    expect([...fake.placements].sort()).toEqual([['a.service', 'm1'], ['b.service', 'm2']]);
    const decisions = log.lines.filter((l) => l.kind === 'assign').map((l) => [l.unit, l.machine, l.reason]);
    expect(decisions).toEqual([['a.service', 'm1', REASON_UNSCHEDULED], ['b.service', 'm2', REASON_UNSCHEDULED]]);
  });

  test('a watch event triggers a pass without waiting for the interval', async () => {
    const fake = await cluster(['m1'], []);
    await start(fake, 'c1');
    await waitFor('leader', () => fake.leader() === 'c1');
    await fake.addUnit(unit('late.service').build());
    await waitFor('late unit scheduled', () => fake.placements.get('late.service') === 'm1', 2000);
  });

  test('a machine that goes away has its units moved', async () => {
    const fake = await cluster(['m1', 'm2'], ['a.service']);
    const { log } = await start(fake, 'c1');
    await waitFor('scheduled on m1', () => fake.placements.get('a.service') === 'm1');
    await fake.dropMachine('m1');
    await waitFor('moved to m2', () => fake.placements.get('a.service') === 'm2');
    expect(log.lines.some((l) => l.kind === 'unassign' && l.reason === reasonMachineGone('m1'))).toBe(true);
  });

  test('a burst of events is coalesced into a few passes', async () => {
    const fake = await cluster(['m1', 'm2'], []);
    await start(fake, 'c1');
    await waitFor('first pass', () => fake.snapshots === 1);
    for (let i = 0; i < 100; i++) await fake.addUnit(unit(`u${String(i).padStart(3, '0')}.service`).build());
    await waitFor('all placed', () => fake.placements.size === 100, 2000);
    // The pass that placed them, plus at most one woken by its own writes.
    expect(fake.snapshots).toBeLessThanOrEqual(3);
  });

  test('a conflict re-plans, and the next pass succeeds', async () => {
    const fake = await cluster(['m1'], ['a.service']);
    fake.failNextWrites.push(new ConflictError('assign a.service'));
    const { log } = await start(fake, 'c1');
    await waitFor('scheduled after the conflict', () => fake.placements.get('a.service') === 'm1', 2000);
    expect(log.lines.some((l) => String(l.msg).includes('conflicted; re-planning'))).toBe(true);
  });

  test('any other failure stops the batch and the periodic pass retries', async () => {
    const fake = await cluster(['m1', 'm2'], ['a.service', 'b.service']);
    fake.failNextWrites.push(new RegistryUnavailableError(['http://x']));
    await start(fake, 'c1', 100);
    await waitFor('both scheduled by a later pass', () => fake.placements.size === 2);
    expect(fake.writes).toEqual(['assign a.service m1', 'assign b.service m2']);
  });

  test('a pass whose writes outlast the election TTL writes all of its plan (no deadline cuts it in two)', async () => {
    // One more unit than a write chunk, and each chunk's writes take longer than the TTL: a pass deadline of one
    // TTL stopped the second chunk, and a full re-plan had to place it (at 1,000,000 units that never ended).
    const fake = await cluster(['m1', 'm2'], Array.from({ length: APPLY_CHUNK + 1 }, (_, i) => `u${i}.service`));
    const apply = fake.applySchedule.bind(fake);
    fake.applySchedule = async (changes, fence) => {
      await sleep(1300);
      return apply(changes, fence);
    };
    const log = captureLog();
    running.push(await startScheduler({ registry: fake, candidateId: 'c1', ttlSec: 1, intervalMs: 60_000, logger: log.logger }));
    await waitFor('all placed', () => fake.placements.size === APPLY_CHUNK + 1, 10_000);
    const passesThatPlaced = log.lines.filter((l) => l.msg === 'scheduling pass' && Number(l.decisions) > 0).map((l) => l.decisions);
    expect(passesThatPlaced).toEqual([APPLY_CHUNK + 1]);
  }, 20_000);

  test('only one of two schedulers leads; the other takes over when the leader stops', async () => {
    const fake = await cluster(['m1'], []);
    const first = await start(fake, 'c1');
    await waitFor('c1 leads', () => first.scheduler.isLeader());
    const second = await start(fake, 'c2');
    expect(second.scheduler.isLeader()).toBe(false);
    await first.scheduler.stop();
    expect(first.scheduler.isLeader()).toBe(false);
    await waitFor('c2 leads', () => second.scheduler.isLeader());
    await fake.addUnit(unit('a.service').build());
    await waitFor('c2 schedules', () => fake.placements.get('a.service') === 'm1');
  });

  test('lost leadership stops acting and campaigns again', async () => {
    const fake = await cluster(['m1'], []);
    const { scheduler, log } = await start(fake, 'c1');
    await waitFor('c1 leads', () => scheduler.isLeader());
    fake.expireLeadership();
    await waitFor('lost logged', () => log.lines.some((l) => l.msg === 'leadership lost'));
    await waitFor('re-elected', () => scheduler.isLeader() && fake.leader() === 'c1');
  });

  test('stop resolves promptly while campaigning and while leading', async () => {
    const fake = await cluster([], []);
    const leader = await start(fake, 'c1');
    const follower = await start(fake, 'c2');
    await waitFor('c1 leads', () => leader.scheduler.isLeader());
    const t0 = Date.now();
    await follower.scheduler.stop();
    await leader.scheduler.stop();
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(fake.leader()).toBeUndefined();
  });

  test('rebalancing: a machine that joins receives units, at most maxMoves per interval; false switches it off', async () => {
    const names = ['a.service', 'b.service', 'c.service', 'd.service', 'e.service', 'f.service'];
    const fake = await cluster(['m1'], names);
    const log = captureLog();
    const s = await startScheduler({ registry: fake, candidateId: 'c1', ttlSec: 5, intervalMs: 50, rebalance: { maxMoves: 1, intervalMs: 1000 }, logger: log.logger });
    running.push(s);
    await waitFor('all on m1', () => fake.placements.size === 6);
    await fake.addMachine(machine('m2'));
    const moved = () => [...fake.placements.values()].filter((m) => m === 'm2').length;
    await waitFor('one unit moved', () => moved() === 1);
    // Absence needs a window: ~10 periodic passes (50 ms) must not start a second round within the 1 s quiet interval.
    await expect(waitFor('a second move', () => moved() > 1, 500)).rejects.toThrow();
    expect(log.lines.filter((l) => typeof l.reason === 'string' && l.reason.startsWith('rebalance:') && l.kind === 'unassign')).toHaveLength(1);

    const off = await cluster(['m1'], names);
    const s2 = await startScheduler({ registry: off, candidateId: 'c2', ttlSec: 5, intervalMs: 50, rebalance: false, logger: captureLog().logger });
    running.push(s2);
    await waitFor('all on m1', () => off.placements.size === 6);
    await off.addMachine(machine('m2'));
    await off.addUnit(unit('g.service').build());
    await waitFor('the new unit placed on m2', () => off.placements.get('g.service') === 'm2');
    expect([...off.placements.values()].filter((m) => m === 'm2')).toEqual(['m2']);
  });

  test('stop before start: a moved unit is placed again only once its old machine reports it stopped', async () => {
    const names = ['a.service', 'b.service', 'c.service', 'd.service'];
    const fake = await cluster(['m1'], names);
    const active = (u: string, activeState: string) => fake.putState(activeOn(u, activeState));
    const s = await startScheduler({ registry: fake, candidateId: 'c1', ttlSec: 5, intervalMs: 50, rebalance: { maxMoves: 1, intervalMs: 200 }, logger: captureLog().logger });
    running.push(s);
    await waitFor('all on m1', () => fake.placements.size === 4);
    for (const u of names) await active(u, 'active');
    await fake.addMachine(machine('m2'));
    await waitFor('one unit unassigned', () => fake.placements.size === 3);
    const movedUnit = names.find((u) => !fake.placements.has(u))!;
    // Absence needs a window: many 50 ms passes (and 250 ms move polls) must not place it while m1 runs it.
    await expect(waitFor('placed while still active on m1', () => fake.placements.has(movedUnit), 600)).rejects.toThrow();
    await active(movedUnit, 'inactive');
    await waitFor('placed on m2 once m1 stopped it', () => fake.placements.get(movedUnit) === 'm2');
  });

  test('stop before start: a move whose old copy never reports stopped is placed after the deadline', async () => {
    const fake = await cluster(['m1'], ['a.service', 'b.service']);
    const log = captureLog();
    const s = await startScheduler({ registry: fake, candidateId: 'c1', ttlSec: 5, intervalMs: 50, moveStopTimeoutMs: 500, rebalance: { maxMoves: 1, intervalMs: 200 }, logger: log.logger });
    running.push(s);
    await waitFor('all on m1', () => fake.placements.size === 2);
    await fake.putState(activeOn('a.service', 'active'));
    await fake.putState(activeOn('b.service', 'active'));
    await fake.addMachine(machine('m2'));
    await waitFor('one unit unassigned', () => fake.placements.size === 1);
    await waitFor('placed on m2 after the deadline', () => [...fake.placements.values()].includes('m2'));
    expect(log.lines.filter((l) => l.status === 'deadline')).toHaveLength(1);
  });

  test('a new leader holds a unit its predecessor moved (unscheduled, still active on a live machine) until it stops there', async () => {
    const fake = await cluster(['m1', 'm2'], ['a.service']);
    const active = (activeState: string) => fake.putState(activeOn('a.service', activeState));
    await active('active');
    const log = captureLog();
    const s = await startScheduler({ registry: fake, candidateId: 'c1', ttlSec: 5, intervalMs: 50, rebalance: false, logger: log.logger });
    running.push(s);
    await waitFor('the move inherited', () => log.lines.some((l) => l.msg === 'inherited move of a.service: still running on m1; held until it stops'));
    // Moves in flight are looked at every 250 ms: three passes later it is still not placed.
    const passes = () => log.lines.filter((l) => l.msg === 'scheduling pass').length;
    await waitFor('three more passes', () => passes() >= 3, 3000);
    expect(fake.placements.has('a.service')).toBe(false);
    await active('inactive');
    await waitFor('placed once stopped on m1', () => fake.placements.has('a.service'));
  });

  test('global units follow machines live: a machine that joins gets it, one that stops matching or leaves loses it', async () => {
    const fake = await cluster([], []);
    await fake.addMachine(machine('m1', { role: 'edge' }));
    await fake.addUnit(unit('g.service').global().metadata('role=edge').build());
    await start(fake, 'c1', 50);
    const on = () => fake.assignedTo('g.service');
    await waitFor('on m1', () => on().join() === 'm1');
    await fake.addMachine(machine('m2', { role: 'edge' }));
    await waitFor('on m1 and m2', () => on().join() === 'm1,m2');
    await fake.addMachine(machine('m1', { role: 'core' })); // metadata changed
    await waitFor('only m2', () => on().join() === 'm2');
    await fake.dropMachine('m2');
    await waitFor('nowhere', () => on().length === 0);
    expect(fake.placements.size).toBe(0); // global units never get a schedule entry
  });
});
