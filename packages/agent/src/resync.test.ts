import type { MachineRecord } from '@flotilla/core';
import pino from 'pino';
import { afterEach, expect, test, vi } from 'vitest';
import { contactState, KEY_CHECK_RETRY_MS, Resync, RESYNC_START, resyncStep, type ResyncAction, type ResyncEvent, type ResyncState } from './resync.js';

/** Back in contact (the first contact-back), not yet confirmed. */
const unconfirmed: ResyncState = { cutOff: false, unconfirmed: true, round: 1 };
/** Cut off, as the contact monitor said. */
const cutOff: ResyncState = { cutOff: true, unconfirmed: false, round: 0 };
/** Cut off again while an earlier contact-back was not yet confirmed. */
const cutOffUnconfirmed: ResyncState = { cutOff: true, unconfirmed: true, round: 1 };
/** Confirmed after the first contact-back. */
const confirmed: ResyncState = { cutOff: false, unconfirmed: false, round: 1 };

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
  {
    name: '3 registration while cut off: the fence stays closed until the monitor says contact is back',
    state: cutOff,
    event: { kind: 'registered', takenOver: false },
    next: cutOff,
    actions: [{ kind: 'new-hold-epoch' }, { kind: 'resync', why: 'registered', registration: { takenOver: false } }],
  },
  { name: '4 lease lost: hold everything', state: RESYNC_START, event: { kind: 'lease-lost' }, next: RESYNC_START, actions: [{ kind: 'hold-all' }] },
  {
    name: '5 cut off: remembered; opted-in units stopped at once, and a pass',
    state: RESYNC_START,
    event: { kind: 'cut-off' },
    next: cutOff,
    actions: [{ kind: 'fence' }, { kind: 'wake', why: 'cut off from etcd' }],
  },
  {
    name: '6 contact back: unconfirmed until a fresh snapshot and the key check, in a new round',
    state: cutOff,
    event: { kind: 'contact-back' },
    next: unconfirmed,
    actions: [{ kind: 'resync', why: 'in contact with etcd again' }],
  },
  {
    name: '7 contact back again before the last one was confirmed: a new round',
    state: cutOffUnconfirmed,
    event: { kind: 'contact-back' },
    next: { cutOff: false, unconfirmed: true, round: 2 },
    actions: [{ kind: 'resync', why: 'in contact with etcd again' }],
  },
  { name: '8 snapshot while unconfirmed: check the machine key for this round', state: unconfirmed, event: { kind: 'snapshot' }, next: unconfirmed, actions: [{ kind: 'check-key', round: 1 }] },
  { name: '9 snapshot while confirmed: nothing to check', state: confirmed, event: { kind: 'snapshot' }, next: confirmed, actions: [] },
  { name: '10 snapshot while cut off again: nothing to check (contact-back resyncs)', state: cutOffUnconfirmed, event: { kind: 'snapshot' }, next: cutOffUnconfirmed, actions: [] },
  {
    name: '11 key still there: confirmed, a pass starts the units again',
    state: unconfirmed,
    event: { kind: 'key-checked', round: 1, registered: true },
    next: confirmed,
    actions: [{ kind: 'wake', why: 'contact confirmed' }],
  },
  {
    name: '12 key gone: still unconfirmed (the next registration decides)',
    state: unconfirmed,
    event: { kind: 'key-checked', round: 1, registered: false },
    next: unconfirmed,
    actions: [{ kind: 'key-gone' }, { kind: 'wake', why: 'contact confirmed' }],
  },
  {
    name: '13 a key check of an earlier contact-back: ignored, still unconfirmed',
    state: { cutOff: false, unconfirmed: true, round: 2 },
    event: { kind: 'key-checked', round: 1, registered: true },
    next: { cutOff: false, unconfirmed: true, round: 2 },
    actions: [],
  },
  {
    name: '14 a key check that answers after the next cut-off: ignored, still cut off',
    state: cutOffUnconfirmed,
    event: { kind: 'key-checked', round: 1, registered: true },
    next: cutOffUnconfirmed,
    actions: [],
  },
  {
    name: '15 key check failed: a fresh snapshot later, which checks again',
    state: unconfirmed,
    event: { kind: 'key-check-failed', round: 1 },
    next: unconfirmed,
    actions: [{ kind: 'resync', why: 'machine key check failed', delayMs: KEY_CHECK_RETRY_MS }],
  },
  { name: '16 a failed key check of an earlier round: nothing (its own round resyncs)', state: { ...unconfirmed, round: 2 }, event: { kind: 'key-check-failed', round: 1 }, next: { ...unconfirmed, round: 2 }, actions: [] },
];

test.each(stepCases)('resyncStep case $name', ({ state, event, next, actions }) => {
  expect(resyncStep(state, event)).toEqual({ state: next, actions });
});

test.each([
  { name: '1 cut off now wins', cutOffNow: true, state: unconfirmed, want: 'cut-off' },
  { name: '2 cut off now, confirmed state', cutOffNow: true, state: confirmed, want: 'cut-off' },
  { name: '3 back, unconfirmed', cutOffNow: false, state: unconfirmed, want: 'unconfirmed' },
  { name: '4 back, confirmed', cutOffNow: false, state: confirmed, want: 'in-contact' },
  { name: '5 never cut off', cutOffNow: false, state: RESYNC_START, want: 'in-contact' },
  // The lease came back (a registration), or a probe answered, between two of the monitor's verdicts: its
  // judgement says in contact, but nothing confirmed the mirror yet.
  { name: '6 in contact now, but the monitor has not said so', cutOffNow: false, state: cutOff, want: 'cut-off' },
])('contactState case $name', ({ cutOffNow, state, want }) => {
  expect(contactState(cutOffNow, state)).toBe(want);
});

/** The fence after a run of events, with the monitor's judgement now. */
function fenceAfter(events: ResyncEvent[], cutOffNow: boolean) {
  const state = events.reduce((s, e) => resyncStep(s, e).state, RESYNC_START);
  return contactState(cutOffNow, state);
}

test.each([
  { name: '1 cut off, lease lost, registered again: closed until the monitor says contact is back', events: [{ kind: 'cut-off' }, { kind: 'lease-lost' }, { kind: 'registered', takenOver: false }], want: 'cut-off' },
  { name: '2 ... then contact back: unconfirmed', events: [{ kind: 'cut-off' }, { kind: 'lease-lost' }, { kind: 'registered', takenOver: false }, { kind: 'contact-back' }], want: 'unconfirmed' },
  {
    name: '3 ... then its snapshot and key check: open',
    events: [{ kind: 'cut-off' }, { kind: 'registered', takenOver: false }, { kind: 'contact-back' }, { kind: 'snapshot' }, { kind: 'key-checked', round: 1, registered: true }],
    want: 'in-contact',
  },
  {
    name: '4 a check begun before a second cut-off answers after the second contact-back: still unconfirmed',
    events: [{ kind: 'contact-back' }, { kind: 'snapshot' }, { kind: 'cut-off' }, { kind: 'contact-back' }, { kind: 'key-checked', round: 1, registered: true }],
    want: 'unconfirmed',
  },
  {
    name: '5 the second round\'s own snapshot and check: open',
    events: [{ kind: 'contact-back' }, { kind: 'snapshot' }, { kind: 'cut-off' }, { kind: 'contact-back' }, { kind: 'key-checked', round: 1, registered: true }, { kind: 'snapshot' }, { kind: 'key-checked', round: 2, registered: true }],
    want: 'in-contact',
  },
] satisfies { name: string; events: ResyncEvent[]; want: string }[])('fence after events case $name', ({ events, want }) => {
  expect(fenceAfter(events, false)).toBe(want);
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
    fence: () => void calls.push('fence'),
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
  expect(calls).toEqual(['fence', 'wake cut off from etcd', 'resync in contact with etcd again', 'wake contact confirmed']);
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

test('the lease regained between two verdicts of the contact monitor: the fence stays closed until it says so', async () => {
  const { resync, set } = setup();
  set({ cutOff: true, leaseHeld: false });
  resync.contactChanged(true);
  resync.leaseLost();
  // Registered again, and a probe answered: the monitor's judgement says in contact before its next verdict.
  set({ cutOff: false, leaseHeld: true });
  resync.registered({});
  expect(resync.contact()).toBe('cut-off');
  resync.snapshotRead(); // the registration's snapshot confirms nothing yet
  await settle();
  expect(resync.contact()).toBe('cut-off');
  resync.contactChanged(false);
  expect(resync.contact()).toBe('unconfirmed');
  resync.snapshotRead();
  await settle();
  expect(resync.contact()).toBe('in-contact');
});

test('a key check under way across a second cut-off: its answer is ignored, the next round decides', async () => {
  const answers: ((machines: MachineRecord[]) => void)[] = [];
  const { resync, set } = setup({ machines: () => new Promise((resolve) => answers.push(resolve)) });
  resync.contactChanged(false);
  resync.snapshotRead();
  expect(answers).toHaveLength(1);
  set({ cutOff: true });
  resync.contactChanged(true);
  set({ cutOff: false });
  resync.contactChanged(false);
  answers[0]!([{ id: 'm1' } as MachineRecord]); // read before the second cut-off
  await settle();
  expect(resync.contact()).toBe('unconfirmed');
  resync.snapshotRead();
  answers[1]!([{ id: 'm1' } as MachineRecord]);
  await settle();
  expect(resync.contact()).toBe('in-contact');
});
