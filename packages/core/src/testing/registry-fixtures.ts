/** Fixtures for registry tests against a real etcd (not exported from the package). */
import type { MachineRecord, UnitStateRecord } from '../model.js';
import { sleep } from '../timing.js';

let counter = 0;

/** A fresh key prefix per test, so tests sharing one etcd never see each other's keys. */
export function freshPrefix(): string {
  counter += 1;
  return `/flotilla-test-${process.pid}-${counter}/`;
}

export function machine(id: string, metadata: Record<string, string> = {}): MachineRecord {
  return { id, hostname: `host-${id}`, ip: '10.0.0.1', metadata, version: 'test', startedAt: 1 };
}

export function unitState(unit: string, machineId: string, hash: string): UnitStateRecord {
  return { unit, machineId, hash, loadState: 'loaded', activeState: 'active', subState: 'running', updatedAt: 1 };
}

/** Resolves when `check` returns true, polling every 50 ms; rejects after `deadlineMs`. */
export async function eventually(check: () => Promise<boolean> | boolean, deadlineMs = 10_000, what = 'condition'): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (Date.now() < until) {
    if (await check()) return;
    await sleep(50);
  }
  throw new Error(`${what} not reached within ${deadlineMs} ms`);
}

/** Collects events from a callback; `next(n)` waits until at least n have arrived. */
export class EventLog<T> {
  readonly events: T[] = [];
  readonly push = (event: T): void => {
    this.events.push(event);
  };
  async next(count: number, deadlineMs = 5000): Promise<T[]> {
    await eventually(() => this.events.length >= count, deadlineMs, `${count} events`);
    return this.events.slice(0, count);
  }
}
