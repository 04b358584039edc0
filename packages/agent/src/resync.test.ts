import type { MachineRecord } from '@flotilla/core';
import pino from 'pino';
import { afterEach, expect, test, vi } from 'vitest';
import { contactState, KEY_CHECK_RETRY_MS, Resync, RESYNC_START, resyncStep, type ResyncAction, type ResyncEvent, type ResyncState } from './resync.js';

const unconfirmed: ResyncState = { unconfirmed: true };

interface StepCase {
  name: string;
  state: ResyncState;
  event: ResyncEvent;
  next: ResyncState;
  actions: ResyncAction[];
}

const stepCases: StepCase[] = [
  {
    name: '1 fresh registration: new hold epoch, then a snapshot that decides what is inherited',
    state: RESYNC_START,
    event: { kind: 'registered', takenOver: false },
    next: RESYNC_START,
    actions: [{ kind: 'new-hold-epoch' }, { kind: 'resync', why: 'registered', registration: { takenOver: false } }],
  },
  {
    name: '2 take-over registration: the snapshot says so (nothing inherited)',
    state: unconfirmed,
    event: { kind: 'registered', takenOver: true },
    next: unconfirmed,
    actions: [{ kind: 'new-hold-epoch' }, { kind: 'resync', why: 'registered', registration: { takenOver: true } }],
  },
  { name: '3 lease lost: hold everything', state: RESYNC_START, event: { kind: 'lease-lost' }, next: RESYNC_START, actions: [{ kind: 'hold-all' }] },
  { name: '4 cut off: a pass, so the fence stops opted-in units', state: RESYNC_START, event: { kind: 'cut-off' }, next: RESYNC_START, actions: [{ kind: 'wake', why: 'cut off from etcd' }] },
  {
    name: '5 contact back: unconfirmed until a fresh snapshot and the key check',
    state: RESYNC_START,
    event: { kind: 'contact-back' },
    next: unconfirmed,
    actions: [{ kind: 'resync', why: 'in contact with etcd again' }],
  },
  { name: '6 snapshot while unconfirmed: check the machine key', state: unconfirmed, event: { kind: 'snapshot' }, next: unconfirmed, actions: [{ kind: 'check-key' }] },
  { name: '7 snapshot while confirmed: nothing to check', state: RESYNC_START, event: { kind: 'snapshot' }, next: RESYNC_START, actions: [] },
  {
    name: '8 key still there: confirmed, a pass starts the units again',
    state: unconfirmed,
    event: { kind: 'key-checked', registered: true },
    next: RESYNC_START,
    actions: [{ kind: 'wake', why: 'contact confirmed' }],
  },
  {
    name: '9 key gone: still unconfirmed (the next registration decides)',
    state: unconfirmed,
    event: { kind: 'key-checked', registered: false },
    next: unconfirmed,
    actions: [{ kind: 'key-gone' }, { kind: 'wake', why: 'contact confirmed' }],
  },
  {
    name: '10 key check failed: a fresh snapshot later, which checks again',
    state: unconfirmed,
    event: { kind: 'key-check-failed' },
    next: unconfirmed,
    actions: [{ kind: 'resync', why: 'machine key check failed', delayMs: KEY_CHECK_RETRY_MS }],
  },
];

test.each(stepCases)('resyncStep case $name', ({ state, event, next, actions }) => {
  expect(resyncStep(state, event)).toEqual({ state: next, actions });
});

test.each([
  { name: '1 cut off wins', cutOff: true, state: unconfirmed, want: 'cut-off' },
  { name: '2 cut off, confirmed state', cutOff: true, state: RESYNC_START, want: 'cut-off' },
  { name: '3 back, unconfirmed', cutOff: false, state: unconfirmed, want: 'unconfirmed' },
  { name: '4 back, confirmed', cutOff: false, state: RESYNC_START, want: 'in-contact' },
])('contactState case $name', ({ cutOff, state, want }) => {
  expect(contactState(cutOff, state)).toBe(want);
});

// ---- the driver against fakes ----
function setup(opts: { machines?: () => Promise<MachineRecord[]> } = {}) {
  const calls: string[] = [];
  const logs: Record<string, unknown>[] = [];
  let cutOff = false;
  let leaseHeld = true;
  const machine = { id: 'm1' } as MachineRecord;
  const resync = new Resync({
    mirror: {
      resync: (why, o) => void calls.push(`resync ${why}${o?.afterRegistration ? ` afterRegistration takenOver=${o.takenOver}` : ''}`),
      leaseLost: () => void calls.push('mirror leaseLost'),
    },
    releaser: { registered: () => void calls.push('releaser registered') },
    registry: { listMachines: opts.machines ?? (async () => [machine]) },
    machineId: 'm1',
    leaseHeld: () => leaseHeld,
    cutOff: () => cutOff,
    wake: (why) => void calls.push(`wake ${why}`),
    logger: pino({ level: 'debug' }, { write: (s: string) => void logs.push(JSON.parse(s)) }),
  });
  const set = (o: { cutOff?: boolean; leaseHeld?: boolean }) => {
    cutOff = o.cutOff ?? cutOff;
    leaseHeld = o.leaseHeld ?? leaseHeld;
  };
  return { resync, calls, logs, set };
}

/** Lets the key check's registry read resolve. */
const settle = () => new Promise((r) => setImmediate(r));

afterEach(() => void vi.useRealTimers());

test('registration and lease loss reach the releaser and the mirror', () => {
  const { resync, calls } = setup();
  resync.registered({ takenOver: true });
  resync.leaseLost();
  resync.registered({});
  expect(calls).toEqual([
    'releaser registered',
    'resync registered afterRegistration takenOver=true',
    'mirror leaseLost',
    'releaser registered',
    'resync registered afterRegistration takenOver=false',
  ]);
});

test('a cut-off and its recovery: held until a fresh snapshot and the machine key confirm it', async () => {
  const { resync, calls, set } = setup();
  expect(resync.contact()).toBe('in-contact');
  set({ cutOff: true });
  resync.contactChanged(true);
  expect(resync.contact()).toBe('cut-off');
  set({ cutOff: false });
  resync.contactChanged(false);
  expect(resync.contact()).toBe('unconfirmed');
  resync.snapshotRead();
  expect(resync.contact()).toBe('unconfirmed'); // the key read is still under way
  await settle();
  expect(resync.contact()).toBe('in-contact');
  expect(calls).toEqual(['wake cut off from etcd', 'resync in contact with etcd again', 'wake contact confirmed']);
});

test('the machine key is gone after the cut-off: stays unconfirmed and says why', async () => {
  const { resync, calls, logs } = setup({ machines: async () => [] });
  resync.contactChanged(false);
  resync.snapshotRead();
  await settle();
  expect(resync.contact()).toBe('unconfirmed');
  expect(calls.at(-1)).toBe('wake contact confirmed');
  expect(logs.map((l) => l.msg)).toContain('in contact again but the machine key is gone; waiting for the next registration');
});

test('the lease is lost while the key is read: stays unconfirmed', async () => {
  const h = setup({
    machines: async () => {
      h.set({ leaseHeld: false });
      return [{ id: 'm1' } as MachineRecord];
    },
  });
  h.resync.contactChanged(false);
  h.resync.snapshotRead();
  await settle();
  expect(h.resync.contact()).toBe('unconfirmed');
});

test('a failed key check asks for a fresh snapshot a second later, which checks again', async () => {
  vi.useFakeTimers();
  let fail = true;
  const { resync, calls, logs } = setup({
    machines: async () => {
      if (fail) throw new Error('etcd away');
      return [{ id: 'm1' } as MachineRecord];
    },
  });
  resync.contactChanged(false);
  resync.snapshotRead();
  await vi.advanceTimersByTimeAsync(0);
  expect(logs.find((l) => l.level === 40)).toMatchObject({ err: { message: 'etcd away' } });
  expect(calls).toEqual(['resync in contact with etcd again']);
  await vi.advanceTimersByTimeAsync(KEY_CHECK_RETRY_MS);
  expect(calls).toEqual(['resync in contact with etcd again', 'resync machine key check failed']);
  fail = false;
  resync.snapshotRead();
  await vi.advanceTimersByTimeAsync(0);
  expect(resync.contact()).toBe('in-contact');
});
