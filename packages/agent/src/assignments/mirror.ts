/**
 * This machine's assignments, mirrored in memory: one read at a revision (`assignmentsAt`), then a watch of
 * `assignments/<machine>/` from exactly that revision. So the agent never polls etcd: at steady state its only
 * traffic is the lease keepalive, and a change for another machine never wakes it.
 *
 * `resync()` takes a fresh snapshot (after the lease was lost and regained, or etcd compacted past our
 * revision). While the mirror has never synced, `current()` is undefined and the agent acts on nothing.
 */
import { Backoff, sleep, type AgentRegistry, type Assignment, type Subscription, type WatchEvent } from '@flotilla/core';
import type { Logger } from 'pino';
import { applyAssignmentEvent } from './apply-event.js';
import { heldAfterEvent, heldAfterSnapshot, HOLD_ALL, type Held } from './inherited.js';

/** The `onChange` reason after a fresh snapshot was read (the resync after a cut-off waits for one). */
export const SNAPSHOT_CHANGE = 'assignments snapshot';

export interface AssignmentMirrorOptions {
  registry: Pick<AgentRegistry, 'assignmentsAt' | 'watchAssignments'>;
  machineId: string;
  logger: Logger;
  /** Called after every change to the mirror (a snapshot or an event); wakes the reconciler. */
  onChange: (why: string) => void;
}

export class AssignmentMirror {
  private assignments: Map<string, Assignment> | undefined;
  /** Assignments not to be started yet (inherited.ts); everything until a snapshot after a registration. */
  private heldUnits: Held = HOLD_ALL;
  /** The next snapshot follows a take-over registration: it holds nothing. */
  private trustNext = false;
  /** Whether the pending sync's snapshot is the first after a registration. */
  private inheritNext = false;
  /** Revision of the last snapshot: events at or below it are in it already. One transaction's events all share
   * a revision, so later events are never compared with each other, only with the snapshot. */
  private snapshotRevision = 0n;
  private subscription: Subscription | undefined;
  private generation = 0;
  private syncing: Promise<void> | undefined;
  private readonly abort = new AbortController();

  constructor(private readonly opts: AssignmentMirrorOptions) {}

  /** unit name → assignment; undefined until the first snapshot was read. */
  current(): ReadonlyMap<string, Assignment> | undefined {
    return this.assignments;
  }

  /** Units whose assignments may predate this machine's registration (inherited.ts). */
  held(): Held {
    return this.heldUnits;
  }

  /** The presence lease is gone: hold everything until the snapshot after the next registration. */
  leaseLost(): void {
    this.heldUnits = HOLD_ALL;
    this.inheritNext = false;
    this.trustNext = false;
  }

  start(): void {
    this.syncing ??= this.sync(++this.generation);
  }

  /** Drops the watch and mirrors afresh from a new snapshot (retried with back-off while etcd is away). */
  resync(why: string, opts: { afterRegistration?: boolean; takenOver?: boolean } = {}): void {
    if (this.abort.signal.aborted) return;
    // A registration that took the machine key over from the previous agent process (a restart): the key never
    // went away, so no scheduler pass moved a unit off this machine without stop-before-start, and nothing it
    // lists is inherited (docs/agent.md, "An agent restart").
    if (opts.afterRegistration) {
      this.inheritNext = opts.takenOver !== true;
      this.trustNext = opts.takenOver === true;
    }
    this.opts.logger.info({ why }, 'resyncing assignments from a fresh snapshot');
    const generation = ++this.generation;
    const previous = this.syncing ?? Promise.resolve();
    this.syncing = previous.then(() => this.sync(generation));
  }

  async close(): Promise<void> {
    this.abort.abort();
    this.generation++;
    await this.syncing;
    await this.subscription?.close();
    this.subscription = undefined;
  }

  private async sync(generation: number): Promise<void> {
    const { registry, machineId, logger } = this.opts;
    const backoff = new Backoff({ baseMs: 250, maxMs: 5000 });
    const stale = () => generation !== this.generation || this.abort.signal.aborted;
    await this.subscription?.close();
    this.subscription = undefined;
    while (!stale()) {
      try {
        const snapshot = await registry.assignmentsAt(machineId);
        if (stale()) return;
        this.assignments = new Map(snapshot.assignments.map((a) => [a.unit, a]));
        this.heldUnits = this.trustNext ? new Set() : heldAfterSnapshot(this.heldUnits, this.assignments.keys(), this.inheritNext);
        this.trustNext = false;
        if (this.inheritNext) logger.info({ held: this.assignments.size }, 'assignments read after registration are held (not started) until the scheduler assigns them again');
        this.inheritNext = false;
        this.snapshotRevision = BigInt(snapshot.revision);
        this.opts.onChange(SNAPSHOT_CHANGE);
        const sub = await registry.watchAssignments(machineId, (e) => this.onEvent(generation, e), {
          fromRevision: snapshot.revision,
          onReset: () => this.resync('watch revision compacted'),
        });
        if (stale()) return void (await sub.close());
        this.subscription = sub;
        logger.debug({ machineId, revision: snapshot.revision, units: snapshot.assignments.length }, 'assignments mirrored');
        return;
      } catch (err) {
        logger.warn({ err, machineId }, 'reading assignments failed; retrying with back-off');
        await sleep(backoff.next(), this.abort.signal);
      }
    }
  }

  private onEvent(generation: number, event: WatchEvent<Assignment>): void {
    if (generation !== this.generation || this.assignments === undefined) return;
    if (BigInt(event.revision) <= this.snapshotRevision) return; // already in the snapshot
    this.heldUnits = heldAfterEvent(this.heldUnits, event);
    if (applyAssignmentEvent(this.assignments, event)) this.opts.onChange(`assignment ${event.type} ${event.key}`);
  }
}
