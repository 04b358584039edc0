import type { UnitStateRecord } from '@flotilla/core';
import { describe, expect, test } from 'vitest';
import { captureLog } from '../test-support/log-capture.js';
import { machines, snapshot, unit } from '../test-support/builders.js';
import { PendingMoves } from './pending-moves.js';

const running = (u: string): UnitStateRecord => ({ unit: u, machineId: 'm1', hash: 'h', loadState: 'loaded', activeState: 'active', subState: 'running', updatedAt: 1 });

function cluster(count: number) {
  return snapshot({ units: Array.from({ length: count }, (_, i) => unit(`u${i}.service`)), machines: machines('m1') });
}

describe('PendingMoves.adopt (a new leader derives the moves in flight)', () => {
  test('few unscheduled units: their states are read one unit at a time', async () => {
    const asked: string[] = [];
    const moves = new PendingMoves({
      deadlineMs: 30_000,
      logger: captureLog().logger,
      getStates: async (u) => (asked.push(u), u === 'u1.service' ? [running(u)] : []),
      listStates: () => Promise.reject(new Error('not used')),
    });
    expect(await moves.adopt(cluster(3))).toEqual([{ unit: 'u1.service', from: 'm1' }]);
    expect(asked.sort()).toEqual(['u0.service', 'u1.service', 'u2.service']);
    expect(moves.units()).toEqual(['u1.service']);
  });

  test('many: one read of every state; if that fails, unit by unit (slower, but nothing runs twice)', async () => {
    const log = captureLog();
    let perUnit = 0;
    const moves = new PendingMoves({
      deadlineMs: 30_000,
      logger: log.logger,
      getStates: async (u) => (perUnit++, u === 'u7.service' ? [running(u)] : []),
      listStates: () => Promise.reject(new Error('response too large')),
    });
    expect(await moves.adopt(cluster(250))).toEqual([{ unit: 'u7.service', from: 'm1' }]);
    expect(perUnit).toBe(250);
    expect(log.lines.some((l) => l.msg === 'reading every unit state at once failed; reading them unit by unit')).toBe(true);
  });

  test('a failed read fails the adoption (the pass fails; nothing is placed that may still run)', async () => {
    const moves = new PendingMoves({ deadlineMs: 30_000, logger: captureLog().logger, getStates: () => Promise.reject(new Error('etcd down')) });
    await expect(moves.adopt(cluster(2))).rejects.toThrow('etcd down');
  });
});

describe('PendingMoves.busy (a drain counts moved units as down until active again)', () => {
  test('held → released (stopped on m1) → busy until active on its new machine, then not', async () => {
    let states: UnitStateRecord[] = [running('u0.service')];
    const moves = new PendingMoves({ deadlineMs: 30_000, logger: captureLog().logger, getStates: async () => states });
    moves.add([{ unit: 'u0.service', from: 'm1' }]);
    const base = snapshot({ units: [unit('u0.service')], machines: machines('m1', 'm2') });
    // Still active on m1: held, and busy.
    const held = await moves.held(base);
    expect([...held]).toEqual(['u0.service']);
    expect([...(await moves.busy(base, held))]).toEqual(['u0.service']);
    // Stopped on m1: released (placed this pass), still busy.
    states = [];
    const released = await moves.held(base);
    expect(released.size).toBe(0);
    expect([...(await moves.busy(base, released))]).toEqual(['u0.service']);
    // Placed on m2, activating there: busy; active: no longer busy, and nothing left to poll for.
    const placed = snapshot({ units: [unit('u0.service')], machines: machines('m1', 'm2'), schedule: { 'u0.service': 'm2' } });
    states = [{ ...running('u0.service'), machineId: 'm2', activeState: 'activating' }];
    expect([...(await moves.busy(placed, new Set()))]).toEqual(['u0.service']);
    states = [{ ...running('u0.service'), machineId: 'm2' }];
    expect((await moves.busy(placed, new Set())).size).toBe(0);
    expect(moves.size).toBe(0);
  });

  test('never active within the deadline: no longer counted (a drain does not wait forever)', async () => {
    let now = 0;
    const moves = new PendingMoves({ deadlineMs: 1000, logger: captureLog().logger, getStates: async () => [], now: () => now });
    moves.add([{ unit: 'u0.service', from: 'm1' }]);
    const base = snapshot({ units: [unit('u0.service')], machines: machines('m1', 'm2') });
    await moves.held(base);
    const placed = snapshot({ units: [unit('u0.service')], machines: machines('m1', 'm2'), schedule: { 'u0.service': 'm2' } });
    expect((await moves.busy(placed, new Set())).size).toBe(1);
    now = 1000;
    expect((await moves.busy(placed, new Set())).size).toBe(0);
  });
});
