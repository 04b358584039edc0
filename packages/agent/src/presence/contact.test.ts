import type { ClusterRegistry } from '@flotilla/core';
import { afterEach, expect, test, vi } from 'vitest';
import { ContactMonitor } from './contact.js';

afterEach(() => void vi.useRealTimers());

/** TTL 3 s: a probe every 300 ms, cut off after 1 s without an answered one. */
function setup() {
  vi.useFakeTimers();
  const io = { needed: false, answer: true, leaseHeld: true, probes: 0 };
  const changes: boolean[] = [];
  const registry = {
    assignmentsAt: async () => {
      io.probes++;
      if (!io.answer) return new Promise<never>(() => {}); // a dead connection: no answer, no error
      return { assignments: [], revision: '1' };
    },
  } as unknown as ClusterRegistry;
  const monitor = new ContactMonitor({
    registry, machineId: 'm1', ttlSec: 3,
    leaseHeld: () => io.leaseHeld,
    needed: () => io.needed,
    onChange: (cutOff) => void changes.push(cutOff),
  });
  monitor.start();
  return { monitor, io, changes };
}

test('while probing: cut off a third of the TTL after the last answer, also while a probe hangs', async () => {
  const { monitor, io, changes } = setup();
  io.needed = true;
  await vi.advanceTimersByTimeAsync(900);
  expect(monitor.cutOff).toBe(false);
  io.answer = false;
  await vi.advanceTimersByTimeAsync(1500);
  expect(monitor.cutOff).toBe(true);
  expect(changes).toEqual([true]);
  monitor.stop();
});

test('no unit needs it: no probe is made, and nothing vouches for contact, so a unit that opts in waits for an answer', async () => {
  const { monitor, io, changes } = setup();
  await vi.advanceTimersByTimeAsync(3000);
  expect(io.probes).toBe(0);
  // The lease is held, but it is judged lost only after 2 × TTL: it proves nothing about now.
  expect(monitor.cutOff).toBe(true);
  expect(changes).toEqual([true]);
  io.needed = true;
  await vi.advanceTimersByTimeAsync(300);
  expect(io.probes).toBe(1);
  expect(monitor.cutOff).toBe(false);
  expect(changes).toEqual([true, false]);
  monitor.stop();
});

test('the lease not held: cut off whatever the probes say', async () => {
  const { monitor, io } = setup();
  io.needed = true;
  await vi.advanceTimersByTimeAsync(600);
  io.leaseHeld = false;
  expect(monitor.cutOff).toBe(true);
  monitor.stop();
});
