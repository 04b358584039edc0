/**
 * When the agent trusts its assignment mirror again, and how it gets there (docs/agent.md, "Returning after a
 * lost lease" and "Never run twice"):
 * - a registration (fresh, or a take-over of the previous agent's key) starts a new hold epoch and a resync whose
 *   snapshot decides what is inherited; a lost lease holds everything until then;
 * - after a cut-off from etcd, StopOnLeaseLoss units stay stopped ('unconfirmed') until a fresh snapshot is read
 *   and the machine key is found to have outlived the cut-off (read after that snapshot): the mirror may hold
 *   assignments the scheduler moved elsewhere meanwhile. A key that is gone means a lost lease: the next
 *   registration's snapshot decides instead.
 * The fence reopens only through that path: the cut-off counts until the contact monitor itself says contact is
 * back (a lease regained, or a probe answered, between two of its verdicts does not reopen it), and a key check
 * counts only for the contact-back it followed (one still under way from an earlier one is ignored).
 * `resyncStep` is the state machine (pure); `Resync` runs its actions against the mirror, releaser and registry.
 */
import type { MachineDirectory } from '@flotilla/core';
import type { Logger } from 'pino';
import type { ContactState } from './reconcile/lease-fence.js';

export type ResyncEvent =
  | { kind: 'registered'; takenOver: boolean }
  | { kind: 'lease-lost' }
  | { kind: 'cut-off' }
  | { kind: 'contact-back' }
  | { kind: 'snapshot' }
  /** The machine key check after a snapshot (`round`: the contact-back it followed): `registered` false when the
   * key (or our lease) is gone. */
  | { kind: 'key-checked'; round: number; registered: boolean }
  | { kind: 'key-check-failed'; round: number };

export type ResyncAction =
  /** A fresh snapshot of the assignments; `registration` when it is the first after one. */
  | { kind: 'resync'; why: string; registration?: { takenOver: boolean }; delayMs?: number }
  /** The releaser may hand every held unit back once more (a new registration has a new held set). */
  | { kind: 'new-hold-epoch' }
  /** Hold every assignment until the snapshot after the next registration. */
  | { kind: 'hold-all' }
  | { kind: 'check-key'; round: number }
  /** Stop the opted-in units now, not behind a pass that may be waiting on etcd (reconcile/fence-now.ts). */
  | { kind: 'fence' }
  | { kind: 'wake'; why: string }
  | { kind: 'key-gone' };

export interface ResyncState {
  /** The contact monitor's last verdict: cut off until it says contact is back. */
  cutOff: boolean;
  /** Back in contact after a cut-off, the snapshot and machine key not yet confirmed. */
  unconfirmed: boolean;
  /** Contact-backs so far: a key check belongs to the one it followed. */
  round: number;
}

export const RESYNC_START: ResyncState = { cutOff: false, unconfirmed: false, round: 0 };

/** After a failed machine key check, a fresh snapshot (and so a new check) this much later. */
export const KEY_CHECK_RETRY_MS = 1000;

export function resyncStep(state: ResyncState, event: ResyncEvent): { state: ResyncState; actions: ResyncAction[] } {
  switch (event.kind) {
    case 'registered':
      // Trust nothing mirrored before: start again from a snapshot read after the registration.
      return { state, actions: [{ kind: 'new-hold-epoch' }, { kind: 'resync', why: 'registered', registration: { takenOver: event.takenOver } }] };
    case 'lease-lost':
      return { state, actions: [{ kind: 'hold-all' }] };
    case 'cut-off':
      return { state: { ...state, cutOff: true }, actions: [{ kind: 'fence' }, { kind: 'wake', why: 'cut off from etcd' }] };
    case 'contact-back':
      // The resync's snapshot is read after this (the mirror drops any read begun earlier).
      return { state: { cutOff: false, unconfirmed: true, round: state.round + 1 }, actions: [{ kind: 'resync', why: 'in contact with etcd again' }] };
    case 'snapshot':
      // While cut off, a snapshot proves nothing about now: the contact-back's own resync is read later.
      return { state, actions: state.unconfirmed && !state.cutOff ? [{ kind: 'check-key', round: state.round }] : [] };
    case 'key-checked': {
      if (!current(state, event.round)) return { state, actions: [] };
      const wake: ResyncAction = { kind: 'wake', why: 'contact confirmed' };
      return event.registered ? { state: { ...state, unconfirmed: false }, actions: [wake] } : { state, actions: [{ kind: 'key-gone' }, wake] };
    }
    case 'key-check-failed':
      if (!current(state, event.round)) return { state, actions: [] };
      return { state, actions: [{ kind: 'resync', why: 'machine key check failed', delayMs: KEY_CHECK_RETRY_MS }] };
  }
}

/** A key check's answer counts only for the contact-back it followed, and not once cut off again. */
function current(state: ResyncState, round: number): boolean {
  return state.unconfirmed && !state.cutOff && round === state.round;
}

/**
 * What the StopOnLeaseLoss fence sees. `cutOffNow` is the monitor's judgement at this moment: it closes the fence at
 * once, but reopens it only once the monitor has said so (`contact-back`, which starts the confirmation).
 */
export function contactState(cutOffNow: boolean, state: ResyncState): ContactState {
  if (cutOffNow || state.cutOff) return 'cut-off';
  return state.unconfirmed ? 'unconfirmed' : 'in-contact';
}

export interface ResyncDeps {
  mirror: { resync(why: string, opts?: { afterRegistration?: boolean; takenOver?: boolean }): void; leaseLost(): void };
  releaser: { registered(): void };
  registry: MachineDirectory;
  machineId: string;
  /** Whether the presence lease is held now. */
  leaseHeld: () => boolean;
  /** The contact monitor's verdict now. */
  cutOff: () => boolean;
  /** Asks the reconciler for a pass. */
  wake: (why: string) => void;
  /** Stops the opted-in units at once (the reconciler's fenceNow). */
  fence: () => void;
  logger: Logger;
}

export class Resync {
  private state = RESYNC_START;

  constructor(private readonly deps: ResyncDeps) {}

  registered(lease: { takenOver?: boolean }): void {
    this.handle({ kind: 'registered', takenOver: lease.takenOver === true });
  }

  leaseLost(): void {
    this.handle({ kind: 'lease-lost' });
  }

  contactChanged(cutOff: boolean): void {
    this.handle({ kind: cutOff ? 'cut-off' : 'contact-back' });
  }

  /** The mirror read a fresh snapshot. */
  snapshotRead(): void {
    this.handle({ kind: 'snapshot' });
  }

  contact(): ContactState {
    return contactState(this.deps.cutOff(), this.state);
  }

  private handle(event: ResyncEvent): void {
    const { state, actions } = resyncStep(this.state, event);
    this.state = state;
    for (const action of actions) this.run(action);
  }

  private run(action: ResyncAction): void {
    const { mirror, logger } = this.deps;
    switch (action.kind) {
      case 'resync': {
        const opts = action.registration === undefined ? {} : { afterRegistration: true, takenOver: action.registration.takenOver };
        if (action.delayMs === undefined) return mirror.resync(action.why, opts);
        return void setTimeout(() => mirror.resync(action.why, opts), action.delayMs).unref();
      }
      case 'new-hold-epoch':
        return this.deps.releaser.registered();
      case 'hold-all':
        return mirror.leaseLost();
      case 'check-key':
        return void this.checkKey(action.round);
      case 'fence':
        return this.deps.fence();
      case 'wake':
        return this.deps.wake(action.why);
      case 'key-gone':
        return logger.info('in contact again but the machine key is gone; waiting for the next registration');
    }
  }

  /** The key is looked up after the snapshot was read; the lease must be held both before and after the read. */
  private async checkKey(round: number): Promise<void> {
    const { registry, machineId, leaseHeld, logger } = this.deps;
    let registered: boolean;
    try {
      registered = leaseHeld() && (await registry.listMachines()).some((m) => m.id === machineId) && leaseHeld();
    } catch (err) {
      logger.warn({ err }, 'checking the machine key after a cut-off failed; retrying with a fresh snapshot');
      return this.handle({ kind: 'key-check-failed', round });
    }
    this.handle({ kind: 'key-checked', round, registered });
  }
}
